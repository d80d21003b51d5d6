"""The ``palsim`` command line: the Typer app (:mod:`~palsim.cli.app`), its console printers
and tables. ``main`` is the console script's entry point."""

from palsim.cli.app import app, main

__all__ = ["app", "main"]

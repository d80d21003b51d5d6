"""How commands end on bad input and on failures: one line on stderr and an exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from palsim.errors import UsageError
from palsim.events import plain


def usage_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a command's :class:`UsageError` into ``error: ...`` on stderr and exit code 2.

    With ``--debug`` (a command's ``debug`` option) the error propagates with its traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UsageError as error:
            if kwargs.get("debug"):
                raise
            # Messages quote paths and values from run folders: never let them drive the terminal.
            print(f"error: {plain(error)}", file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


def runtime_failure(message: str) -> typer.Exit:
    """Print ``error: message`` and return the exit (code 1) for the caller to raise."""
    print(f"error: {plain(message)}", file=sys.stderr)
    return typer.Exit(1)

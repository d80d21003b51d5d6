"""The one error type for bad input; everything else that goes wrong is a runtime failure."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user or from a run folder.

    The CLI prints the message as one line ``error: ...`` and exits with code 2 (a
    traceback only with ``--debug``). Raised before anything is written or loaded
    wherever the input allows it.
    """

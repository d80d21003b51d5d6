"""Reading the numeric files that oracle specs name (.csv, .npy, .npz, .json); numpy only.

Every failure becomes a ValueError naming the file, so a bad file is a bad spec.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

#: What can go wrong while opening and decoding a user's file.
READ_ERRORS = (OSError, ValueError, TypeError, EOFError, KeyError, zipfile.BadZipFile)


def read_json(path: str) -> Any:
    """The decoded content of a JSON file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except READ_ERRORS as error:
        raise ValueError(f"cannot read {path!r}: {_reason(error)}") from None


def read_matrix(path: str) -> np.ndarray:
    """A 2-D float array from .csv (comma-separated, no header), .npy or .json (list of rows,
    or an object with a ``"matrix"`` key)."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix == ".csv":
            return np.loadtxt(path, delimiter=",", comments="#", ndmin=2, dtype=float)
        if suffix == ".npy":
            return np.asarray(np.load(path, allow_pickle=False), dtype=float)
    except READ_ERRORS as error:
        raise ValueError(f"cannot read {path!r}: {_reason(error)}") from None
    if suffix == ".json":
        content = read_json(path)
        if isinstance(content, dict):
            content = content.get("matrix")
        return as_matrix(content, path)
    raise ValueError(f"matrix file {path!r} must end in .csv, .npy or .json")


def as_matrix(content: Any, source: str) -> np.ndarray:
    """``content`` (nested lists) as a 2-D float array, or a ValueError naming ``source``."""
    try:
        matrix = np.asarray(content, dtype=float)
    except READ_ERRORS:
        raise ValueError(f"{source} is not a matrix of numbers") from None
    if matrix.ndim != 2:
        raise ValueError(f"{source} is not a 2-D matrix (it has {matrix.ndim} dimensions)")
    return matrix


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__

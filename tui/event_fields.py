"""Fields of events read from a run folder, checked for their type one by one.

A run folder is untrusted: a field may hold a string where a number belongs, a list where a
dict belongs, or Infinity. Each reader returns the value when it has the expected type and
None (or an empty value) otherwise, so the dashboard drops the field instead of failing.
"""

from __future__ import annotations

import math
from typing import Any

from palsim.events import plain

# Keys of a query event's score summary that are numbers.
SCORE_NUMBERS = ("min", "max", "mean", "std")


def as_int(value: Any) -> int | None:
    """An event's integer field, or None when it is missing or of another type."""
    return value if type(value) is int else None


def as_number(value: Any) -> float | None:
    """A finite number, or None (JSON may carry strings, NaN or Infinity where numbers go)."""
    if type(value) not in (int, float) or not math.isfinite(value):
        return None
    return float(value)


def as_text(value: Any) -> str:
    return "" if value is None else plain(value)


def int_tuple(value: Any) -> tuple[int, ...]:
    """A list of integers; anything else (or any other item) makes it empty."""
    if not isinstance(value, list) or not all(type(x) is int for x in value):
        return ()
    return tuple(value)


def score_summary(value: Any) -> dict[str, Any] | None:
    """The numbers and histogram counts of a query's score summary, the rest dropped."""
    if not isinstance(value, dict):
        return None
    scores: dict[str, Any] = {k: as_number(value.get(k)) for k in SCORE_NUMBERS}
    scores = {k: v for k, v in scores.items() if v is not None}
    histogram = value.get("histogram")
    counts = int_tuple(histogram.get("counts")) if isinstance(histogram, dict) else ()
    scores["histogram"] = {"counts": list(counts)}
    return scores

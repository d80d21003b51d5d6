"""Shortening text to a width: the start and the end of a run name are what tell runs apart."""

from __future__ import annotations

ELLIPSIS = "…"


def middle_ellipsis(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters by an ellipsis in the middle; as it is if it fits.

    A run name's start (dataset) and end (seed, time) are both kept; the end gets two thirds,
    since it is what tells the runs of one configuration apart.
    """
    if len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    tail = 2 * (width - 1) // 3
    head = width - 1 - tail
    return f"{text[:head]}{ELLIPSIS}{text[len(text) - tail :]}"

"""Time left, estimated from the pace so far: the time per finished unit, times the units left.

Used for the cycles and epochs of a run and for the runs of a sweep. Plain numbers in, plain
text out, so that the live bars and the plain-text lines say the same thing.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min``, ``1 h 05 min``: short, and never more precise than an ETA can be."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def seconds_left(elapsed: float, done: int, left: int) -> float | None:
    """``elapsed / done * left``; None before the first unit is done (no pace yet)."""
    if left <= 0:
        return 0.0
    if done <= 0:
        return None
    return elapsed / done * left


class Eta:
    """Counts finished units of one kind (cycles, epochs, runs) and estimates the time left.

    Units done before this process started (a resumed run, skipped runs) do not count
    towards the pace: only those finished while it ran.
    """

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.clock = clock
        self.start = clock()
        self.done = 0  # units finished since start
        self.before = 0  # units finished before start (resumed, skipped)

    def restart(self, total: int, before: int = 0) -> None:
        """Count again from now, e.g. the epochs of a new cycle."""
        self.total, self.before, self.done, self.start = total, before, 0, self.clock()

    def finished(self, count: int = 1) -> None:
        self.done += count

    def seconds(self) -> float | None:
        left = self.total - self.before - self.done
        return seconds_left(self.clock() - self.start, self.done, left)

    def text(self) -> str:
        """``about 3 min left``, ``done``, or ``""`` while there is no pace yet."""
        if self.total - self.before - self.done <= 0:
            return "done"
        seconds = self.seconds()
        return "" if seconds is None else f"about {format_duration(seconds)} left"

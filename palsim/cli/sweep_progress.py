"""Overall progress of a sweep on stderr: a Rich bar on a terminal, plain lines otherwise.

One line per grid point as it ends (finished, skipped, failed, interrupted), and a closing
line with the counts. stdout stays free for ``palsim sweep --json``.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from palsim.events import RunStatus
from palsim.sweep.grid import SKIPPED, Outcome


def format_outcome(outcome: Outcome, done: int, total: int) -> str:
    """``[3/12] finished NAME: final accuracy 0.8123 (45.2 s)`` and its siblings."""
    head = f"[{done}/{total}] {outcome.status} {outcome.name}"
    if outcome.status == RunStatus.FAILED:
        return f"{head}: {outcome.error}"
    accuracy = (
        f"final accuracy {outcome.final_accuracy:.4f}"
        if outcome.final_accuracy is not None
        else "no finished cycle"
    )
    if outcome.status == SKIPPED:
        return f"{head}: already finished, {accuracy}"
    if outcome.status == RunStatus.INTERRUPTED:
        return f"{head}: stopped after {outcome.seconds:.1f} s; run the sweep again to resume"
    return f"{head}: {accuracy} ({outcome.seconds:.1f} s)"


class SweepProgress:
    """Call :meth:`start`, then :meth:`outcome` per grid point, then :meth:`close`."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 quiet: bool = False) -> None:
        self.console = Console(file=stream or sys.stderr, highlight=False)
        self.live = self.console.is_terminal if live is None else live
        self.quiet = quiet
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.progress: Progress | None = None
        self.task: object = None

    def start(self, total: int, skipped: int) -> None:
        self.total = total
        if self.live and not self.quiet:
            self.progress = Progress(
                TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=self.console, transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("sweep", total=total)

    def outcome(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        done = sum(self.counts.values())
        if outcome.status == RunStatus.FAILED or not self.quiet:
            self._print(format_outcome(outcome, done, self.total))
        if self.progress is not None:
            self.progress.advance(self.task)  # type: ignore[arg-type]

    def close(self, out: str) -> str:
        """Stop the bar and print the closing line (also returned)."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
        statuses = (RunStatus.FINISHED, SKIPPED, RunStatus.FAILED, RunStatus.INTERRUPTED)
        parts = [f"{self.counts[s]} {s}" for s in statuses]
        line = f"sweep: {self.total} runs: {', '.join(parts)}; run directories in {out}"
        if not self.quiet or self.counts[RunStatus.FAILED]:
            self._print(line)
        return line

    def _print(self, line: str) -> None:
        if self.progress is not None:
            self.progress.console.print(line, markup=False)
        else:
            self.console.print(line, markup=False, soft_wrap=True)

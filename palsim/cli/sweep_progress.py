"""Overall progress of a sweep on stderr: a Rich bar on a terminal, plain lines otherwise.

One line per grid point as it ends (finished, skipped, failed, interrupted) with the time the
sweep has left (from the pace of the runs that ran, not the skipped ones), and a closing line
with the counts. stdout stays free for ``palsim sweep --json``. On a terminal, lines wrap
between words; elsewhere they are not wrapped at all.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from palsim.cli.eta import Eta
from palsim.events import RunStatus, plain
from palsim.sweep.grid import SKIPPED, Outcome


def format_outcome(outcome: Outcome, done: int, total: int) -> str:
    """``[3/12] finished NAME: final accuracy 0.8123 (45.2 s)`` and its siblings."""
    head = f"[{done}/{total}] {outcome.status} {outcome.name}"
    if outcome.status == RunStatus.FAILED:
        return f"{head}: {outcome.error}"
    accuracy = "no finished cycle"
    if outcome.final_accuracy is not None:
        accuracy = f"final accuracy {outcome.final_accuracy:.4f}"
    elif outcome.final_miou is not None:
        accuracy = f"final mIoU {outcome.final_miou:.4f}"
    if outcome.status == SKIPPED:
        return f"{head}: already finished, {accuracy}"
    if outcome.status == RunStatus.INTERRUPTED:
        return f"{head}: stopped after {outcome.seconds:.1f} s; run the sweep again to resume"
    return f"{head}: {accuracy} ({outcome.seconds:.1f} s)"


class SweepProgress:
    """Call :meth:`start`, then :meth:`outcome` per grid point, then :meth:`close`."""

    def __init__(
        self,
        stream: TextIO | None = None,
        live: bool | None = None,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = Console(file=stream or sys.stderr, highlight=False)
        self.live = self.console.is_terminal if live is None else live
        self.quiet = quiet
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.progress: Progress | None = None
        self.task: object = None
        self.eta = Eta(0, clock)  # the runs that run (skipped ones take no time)

    def start(self, total: int, skipped: int) -> None:
        self.total = total
        self.eta.restart(total, before=skipped)
        if self.live and not self.quiet:
            self.progress = Progress(
                TextColumn("sweep"),
                BarColumn(bar_width=30),
                MofNCompleteColumn(),
                TextColumn("{task.fields[eta]}"),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task("sweep", total=total, eta="")

    def outcome(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        done = sum(self.counts.values())
        if outcome.status != SKIPPED:
            self.eta.finished()
        eta = self.eta.text() if done < self.total else ""
        if outcome.status == RunStatus.FAILED or not self.quiet:
            line = format_outcome(outcome, done, self.total)
            self._print(f"{line}; {eta}" if eta and eta != "done" else line)
        if self.progress is not None:
            self.progress.update(self.task, advance=1, eta=eta)  # type: ignore[arg-type]

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
        line = plain(line)  # names and errors come from run folders and configs
        if self.progress is not None:
            self.progress.console.print(line, markup=False)
        else:
            # On a terminal Rich wraps between words; in a pipe or a file, not at all.
            self.console.print(line, markup=False, soft_wrap=not self.console.is_terminal)

"""Print a run's events for people: a Rich progress display on a terminal, plain lines otherwise.

Progress goes to stderr so that stdout stays free for ``--json``. No colours or cursor
movement when stderr is not a terminal. Both forms say how long the run has left (from the
pace of the cycles so far) and the live bar also how long the cycle's training has left.
Lines are wrapped between words at the terminal's width, never inside one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from palsim.cli.eta import Eta
from palsim.events import INITIAL_CYCLE, Event, EventName, plain


def format_record(record: dict[str, Any]) -> str:
    """One line per finished cycle."""
    if "test_miou" in record:  # segmentation
        metric = (
            f"test mIoU {record['test_miou']:.4f}, "
            f"pixel accuracy {record['test_pixel_accuracy']:.4f}, "
            f"noisy pixels {100 * record['pixel_noise_rate']:.1f}%, "
        )
    else:
        metric = f"test accuracy {record['test_accuracy']:.4f}, "
    line = (
        f"cycle {record['cycle']}: labeled {record['labeled']}, {metric}"
        f"noisy labels {record['noisy_labels']} ({100 * record['noise_rate']:.1f}%), "
        f"train {record['train_seconds']:.1f}s, query {record['query_seconds']:.1f}s"
    )
    if "novel_found" in record:
        line += f", novel-class samples {record['novel_found']}"
    return line


class ConsolePrinter:
    """Consumes events; call :meth:`close` when the run ends."""

    def __init__(
        self,
        stream: TextIO | None = None,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream, highlight=False)
        self.live = self.console.is_terminal if live is None else live
        self.progress: Progress | None = None
        self.cycle_task: Any = None
        self.epoch_task: Any = None
        self.cycles = Eta(0, clock)  # the run's cycles
        self.epochs = Eta(0, clock)  # the current phase's epochs

    def __call__(self, event: Event) -> None:
        name = event["event"]
        if name == EventName.RUN_STARTED:
            self._start(event)
        elif event.get("cycle") == INITIAL_CYCLE:
            self._initial_draw(event)
        elif name == EventName.EPOCH and self.progress is not None:
            self.epochs.total = event["epochs"]
            self.epochs.finished()
            description = plain(f"cycle {event['cycle']} {event['phase']} loss {event['loss']:.3f}")
            self.progress.update(
                self.epoch_task,
                completed=event["epoch"],
                total=event["epochs"],
                description=description,
                eta=self.epochs.text(),
            )
        elif name == EventName.PHASE and self.progress is not None:
            self.epochs.restart(0)
            description = plain(f"cycle {event['cycle']} {event['phase']}")
            self.progress.update(self.epoch_task, description=description, eta="")
        elif name == EventName.WARNING:
            self._print(f"warning: cycle {event['cycle']}: {plain(event['message'])}")
        elif name == EventName.CYCLE_FINISHED:
            self.cycles.finished()
            eta = self.cycles.text()
            left = f"; {eta}" if eta and eta != "done" else ""
            self._print(format_record(event["record"]) + left)
            if self.progress is not None:
                self.progress.update(self.cycle_task, advance=1, eta=eta)
        elif name == EventName.RUN_FINISHED:
            self.close()

    def _start(self, event: Event) -> None:
        config = event["config"]
        resumed = f", resumed at cycle {event['resumed_from']}" if event.get("resumed_from") else ""
        self._print(
            f"run {config['name']}: {event['dataset']} (pool {event['pool_size']}), "
            f"strategy {config['strategy']}, oracle {config['oracle']}, model {event['model']}, "
            f"device {event['device']}{resumed}"
        )
        done = event.get("resumed_from") or 0
        self.cycles.restart(config["cycles"], before=done)
        if self.live:
            self.progress = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TextColumn("{task.fields[eta]}", markup=False),
                console=self.console,
                transient=True,
            )
            self.progress.start()
            self.cycle_task = self.progress.add_task(
                "cycles", total=config["cycles"], completed=done, eta=""
            )
            self.epoch_task = self.progress.add_task("starting", total=config["epochs"], eta="")

    def _initial_draw(self, event: Event) -> None:
        """A line per phase and epoch of a strategy drawing the initial set (before the run's
        progress display starts, so plain lines on a terminal too)."""
        name = event["event"]
        if name == EventName.PHASE:
            self._print(f"initial set: {event['phase']}, {event['detail']}")
        elif name == EventName.EPOCH:
            self._print(
                f"initial set: {event['phase']} epoch {event['epoch']}/{event['epochs']}, "
                f"loss {event['loss']:.3f}"
            )

    def _print(self, line: str) -> None:
        # Names and specs come from the config: shown as plain text, never markup or escapes.
        line = plain(line)
        if self.progress is not None:
            self.progress.console.print(Text(line))
        else:
            # On a terminal Rich wraps between words; in a pipe or a file, not at all.
            self.console.print(line, markup=False, soft_wrap=not self.console.is_terminal)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

"""Print a run's events for people: a Rich progress display on a terminal, plain lines otherwise.

Progress goes to stderr so that stdout stays free for ``--json``. No colours or cursor
movement when stderr is not a terminal.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from palsim.events import Event, EventName, plain


def format_record(record: dict[str, Any]) -> str:
    """One line per finished cycle."""
    line = (
        f"cycle {record['cycle']}: labeled {record['labeled']}, "
        f"test accuracy {record['test_accuracy']:.4f}, "
        f"noisy labels {record['noisy_labels']} ({100 * record['noise_rate']:.1f}%), "
        f"train {record['train_seconds']:.1f}s, query {record['query_seconds']:.1f}s"
    )
    if "novel_found" in record:
        line += f", novel-class samples {record['novel_found']}"
    return line


class ConsolePrinter:
    """Consumes events; call :meth:`close` when the run ends."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.console = Console(file=self.stream, highlight=False)
        self.live = self.console.is_terminal if live is None else live
        self.progress: Progress | None = None
        self.cycle_task: Any = None
        self.epoch_task: Any = None

    def __call__(self, event: Event) -> None:
        name = event["event"]
        if name == EventName.RUN_STARTED:
            self._start(event)
        elif name == EventName.EPOCH and self.progress is not None:
            description = plain(f"cycle {event['cycle']} {event['phase']} loss {event['loss']:.3f}")
            self.progress.update(self.epoch_task, completed=event["epoch"],
                                 total=event["epochs"], description=description)
        elif name == EventName.PHASE and self.progress is not None:
            description = plain(f"cycle {event['cycle']} {event['phase']}")
            self.progress.update(self.epoch_task, description=description)
        elif name == EventName.CYCLE_FINISHED:
            self._print(format_record(event["record"]))
            if self.progress is not None:
                self.progress.advance(self.cycle_task)
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
        if self.live:
            self.progress = Progress(
                TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=self.console, transient=True,
            )
            self.progress.start()
            done = event.get("resumed_from") or 0
            self.cycle_task = self.progress.add_task(
                "cycles", total=config["cycles"], completed=done
            )
            self.epoch_task = self.progress.add_task("starting", total=config["epochs"])

    def _print(self, line: str) -> None:
        # Names and specs come from the config: shown as plain text, never markup or escapes.
        line = plain(line)
        if self.progress is not None:
            self.progress.console.print(Text(line))
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

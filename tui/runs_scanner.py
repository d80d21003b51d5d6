"""RunsScanner: watch a folder of runs and post one summary row per run.

One thread polls every run's events.jsonl incrementally (byte offsets, as the run screen
does), so a folder of many long runs costs only the new bytes per poll.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from palsim.events import CONFIG_FILE, EVENTS_FILE, plain, read_json_object, writer_active
from tui.follow import EventTail
from tui.run_state import RunState

SCAN_SECONDS = 1.0
SCAN_DEPTH = 2  # runs/<name>/ and runs/<sweep>/<name>/


def is_run_dir(path: Path) -> bool:
    """A run folder has config.json or events.jsonl."""
    return (path / CONFIG_FILE).is_file() or (path / EVENTS_FILE).is_file()


def find_run_dirs(root: Path, depth: int = SCAN_DEPTH) -> list[Path]:
    """Run folders under root (not root itself), sorted by path."""
    found: list[Path] = []
    try:
        children = sorted(Path(entry.path) for entry in os.scandir(root) if entry.is_dir())
    except OSError:
        return found
    for child in children:
        if is_run_dir(child):
            found.append(child)
        elif depth > 1:
            found.extend(find_run_dirs(child, depth - 1))
    return found


@dataclass(frozen=True)
class RunRow:
    """What the runs list shows of one run."""

    path: Path
    name: str
    strategy: str
    oracle: str
    status: str
    cycle: int | None
    accuracy: float | None
    points: tuple[tuple[int, float], ...]


class TrackedRun:
    """The incremental reader and folded state of one run."""

    def __init__(self, run_dir: Path, root: Path) -> None:
        self.run_dir = run_dir
        self.label = plain(run_dir.relative_to(root))
        self.tail = EventTail(run_dir / EVENTS_FILE)
        self.state = RunState(name=self.label)

    def poll(self, now: float) -> RunRow:
        if (
            not self.state.config
            and (config := read_json_object(self.run_dir / CONFIG_FILE)) is not None
        ):
            self.state.config = config
        writer = writer_active(self.run_dir)  # before reading: see RunState.fold
        while True:
            read = self.tail.poll()
            self.state = self.state.fold(
                read.events, read.partial_tail, read.mtime, read.reset, writer
            )
            if not read.more:
                break
        return self.row(now)

    def row(self, now: float) -> RunRow:
        config = self.state.config
        return RunRow(
            path=self.run_dir,
            name=self.label,
            strategy=plain(config.get("strategy", "?")),
            oracle=plain(config.get("oracle", "?")),
            status=self.state.status(now),
            cycle=self.state.current_cycle,
            accuracy=self.state.latest_accuracy(),
            points=self.state.curve_points(),
        )


@dataclass
class RunsScanned(Message):
    """The rows of every run found; a newer scan replaces an unhandled older one."""

    rows: tuple[RunRow, ...]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunsScanned)


class RunsScanner(Widget):
    """Invisible widget that scans a runs folder in a thread and posts RunsScanned."""

    DEFAULT_CSS = "RunsScanner { display: none; }"

    def __init__(self, root: Path, scan_seconds: float = SCAN_SECONDS) -> None:
        super().__init__()
        self.root = root
        self.scan_seconds = scan_seconds

    def on_mount(self) -> None:
        self.scan()

    @work(thread=True, exclusive=True, group="scan")
    def scan(self) -> None:
        worker = get_current_worker()
        tracked: dict[Path, TrackedRun] = {}
        last: tuple[RunRow, ...] | None = None
        while not worker.is_cancelled:
            # Rebuilt each scan so that a deleted run folder leaves the list.
            tracked = {
                run_dir: tracked.get(run_dir) or TrackedRun(run_dir, self.root)
                for run_dir in find_run_dirs(self.root)
            }
            now = time.time()
            rows = tuple(tracked[path].poll(now) for path in sorted(tracked))
            if rows != last:
                self.post_message(RunsScanned(rows))
                last = rows
            time.sleep(self.scan_seconds)

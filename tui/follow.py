"""Follow a run folder: tail events.jsonl by byte offset and post what is new to the UI.

``EventTail`` is plain Python (tested without Textual). ``RunFollower`` is an invisible
widget whose thread worker polls the folder and posts typed messages that bubble up to
the screen, so a slow disk never blocks the UI and the UI never touches the run.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from palsim.events import (
    CONFIG_FILE,
    EVENTS_FILE,
    Event,
    EventName,
    open_regular,
    parse_lines,
    read_json_object,
    writer_active,
)

POLL_SECONDS = 0.25
# Read at most this much per poll so that a huge log loads in steps and the UI stays live.
CHUNK_BYTES = 4 * 1024 * 1024
PROGRESS_EVENTS = frozenset({EventName.PHASE, EventName.EPOCH})


@dataclass(frozen=True)
class TailRead:
    """The result of one poll of an events file."""

    events: list[Event]
    partial_tail: bool  # bytes after the last newline: a line being written, or a crash
    mtime: float | None  # None while the file does not exist
    reset: bool = False  # the file was replaced or truncated: start the state afresh
    more: bool = False  # more bytes are waiting beyond this chunk


class EventTail:
    """Read the events appended to a JSONL file since the last poll."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.pending = b""
        self.inode: int | None = None

    def poll(self) -> TailRead:
        try:
            stat = self.path.stat()
        except OSError:  # missing, or a name the file system refuses
            return TailRead([], False, None)
        reset = self._reset_if_replaced(stat)
        if stat.st_size == self.offset:
            return TailRead([], bool(self.pending.strip()), stat.st_mtime, reset)
        try:
            with open_regular(self.path) as handle:  # a FIFO would block the worker forever
                handle.seek(self.offset)
                data = handle.read(CHUNK_BYTES)
        except OSError:
            return TailRead([], False, None)
        self.offset += len(data)
        # Split on bytes, not text, so a multi-byte character cut by the writer stays whole.
        complete, newline, tail = (self.pending + data).rpartition(b"\n")
        self.pending = tail
        events, _ = parse_lines((complete + newline).decode("utf-8", errors="replace"))
        more = self.offset < stat.st_size
        return TailRead(events, bool(tail.strip()), stat.st_mtime, reset, more)

    def _reset_if_replaced(self, stat: os.stat_result) -> bool:
        replaced = self.inode is not None and stat.st_ino != self.inode
        self.inode = stat.st_ino
        if replaced or stat.st_size < self.offset:
            self.offset, self.pending = 0, b""
            return True
        return False


def split_progress(events: list[Event]) -> list[list[Event]]:
    """Split events into runs of ordinary events and single latest progress events.

    Consecutive phase/epoch events collapse into the last one: only it is shown.
    """
    groups: list[list[Event]] = []
    for event in events:
        progress = _is_progress(event)
        if groups and progress and _is_progress(groups[-1][0]):
            groups[-1][0] = event
        elif groups and not progress and not _is_progress(groups[-1][0]):
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups


def _is_progress(event: Event) -> bool:
    return event.get("event") in PROGRESS_EVENTS


@dataclass
class EventsRead(Message):
    """New events of a run (never phase/epoch ones) and the state of its file."""

    run_dir: Path
    events: list[Event]
    partial_tail: bool
    mtime: float | None
    reset: bool = False
    writer: bool | None = None  # the writer lock is held (None: the folder has no lock file)


@dataclass
class ProgressRead(Message):
    """The latest phase or epoch event; a newer one replaces it in the queue."""

    run_dir: Path
    event: Event

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ProgressRead) and message.run_dir == self.run_dir


@dataclass
class ConfigRead(Message):
    """The run's config.json, posted once it exists."""

    run_dir: Path
    config: dict[str, Any]


class RunFollower(Widget):
    """Invisible widget that follows one run folder and posts what it reads."""

    DEFAULT_CSS = "RunFollower { display: none; }"

    def __init__(self, run_dir: Path, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.poll_seconds = poll_seconds
        self._file_state: tuple[float | None, bool, bool | None] | None = None

    def on_mount(self) -> None:
        self.follow()

    @work(thread=True, exclusive=True, group="follow")
    def follow(self) -> None:
        worker = get_current_worker()
        tail = EventTail(self.run_dir / EVENTS_FILE)
        has_config = False
        while not worker.is_cancelled:
            if (
                not has_config
                and (config := read_json_object(self.run_dir / CONFIG_FILE)) is not None
            ):
                self.post_message(ConfigRead(self.run_dir, config))
                has_config = True
            # Probe the lock before reading: a writer gone by now wrote its last event before.
            writer = writer_active(self.run_dir)
            read = tail.poll()
            self._post(read, writer)
            if not read.more:
                time.sleep(self.poll_seconds)

    def _post(self, read: TailRead, writer: bool | None = None) -> None:
        file_state = (read.mtime, read.partial_tail, writer)
        if not read.events and not read.reset and file_state == self._file_state:
            return  # nothing new: no message, no redraw
        self._file_state = file_state
        groups = split_progress(read.events)
        if not groups or _is_progress(groups[-1][0]):
            groups.append([])  # an EventsRead always carries the file's latest state
        if read.reset:
            groups.insert(0, [])  # the reset must reach the screen before any new event
        for index, group in enumerate(groups):
            if group and _is_progress(group[0]):
                self.post_message(ProgressRead(self.run_dir, group[0]))
                continue
            reset = read.reset and index == 0
            self.post_message(
                EventsRead(self.run_dir, group, read.partial_tail, read.mtime, reset, writer)
            )

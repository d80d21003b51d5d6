"""The run directory: config.json, events.jsonl, summary.json, annotations.csv, checkpoint.json.

Every file is readable at any moment: events are appended and flushed one line at a time,
and the JSON files are replaced atomically (write to a temporary file, then rename), so a
crash or Ctrl-C never leaves a half-written summary. Standard library only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palsim.events import (
    CONFIG_FILE,
    EVENTS_FILE,
    SUMMARY_FILE,
    Event,
    EventName,
    RunStatus,
    read_json_object,
    run_finished_event,
)

CHECKPOINT_FILE = "checkpoint.json"
ANNOTATIONS_FILE = "annotations.csv"
#: The annotation log's columns, named as crowd-labeling tools (crowd-kit) read them: one row
#: per answer; ``task`` is the item's training-split index, ``true_label`` its real class (to
#: score an aggregation against), ``cycle`` the cycle whose query asked it (-1: the initial set).
ANNOTATION_COLUMNS = ["task", "worker", "label", "true_label", "cycle"]
#: Checkpoint key holding :func:`config_hash` of the config the run started with.
CONFIG_HASH_KEY = "config_hash"
# Where a run lives, not what it computes: a folder copied elsewhere may change them.
PLACE_KEYS = frozenset({"out", "name", "data_dir"})


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the configuration's study settings (every key but :data:`PLACE_KEYS`)."""
    study = {key: value for key, value in config.items() if key not in PLACE_KEYS}
    text = json.dumps(study, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def remove_leftovers(directory: Path) -> list[Path]:
    """Delete the temporary files of atomic writes that a crash left behind; returns them.

    Call only while holding the folder's lock: a live writer's temporary file is not litter.
    """
    removed = []
    for path in directory.glob(".*.tmp"):
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to ``path`` so that readers see the old or the new file, never a mix."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


#: Longest derived run name: room for ``-<time>`` within a file system's 255-byte names.
MAX_RUN_NAME = 200


def run_name(config: dict[str, Any]) -> str:
    """``dataset-strategy-oracle-s<seed>``, made safe for a folder name; the same every time.

    A name that would be too long for a folder (a deep ``imagefolder:`` path, a long oracle
    spec) keeps its start and ends with a checksum of the whole, so it stays distinct.
    """
    raw = f"{config['dataset']}-{config['strategy']}-{config['oracle']}-s{config['seed']}"
    if config.get("initial_strategy", "random") != "random":
        raw += f"-init-{config['initial_strategy']}"
    if config.get("relabel", "none") != "none":
        raw += f"-relabel-{config['relabel']}{config.get('relabel_share')}"
    name = re.sub(r"[^A-Za-z0-9._+-]+", "_", raw).lstrip(".") or "run"
    if len(name) > MAX_RUN_NAME:
        name = f"{name[: MAX_RUN_NAME - 9]}-{zlib.crc32(raw.encode()):08x}"
    return name


def default_run_name(config: dict[str, Any]) -> str:
    """:func:`run_name` plus ``-<time>``, so that each run gets a folder of its own."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return f"{run_name(config)}-{stamp}"


class RunStore:
    """Writes one run directory; consumes the engine's events through :meth:`emit`."""

    def __init__(
        self, directory: Path, config: dict[str, Any], cycles: list[dict[str, Any]]
    ) -> None:
        self.directory = directory
        self.config = config
        self.cycles = list(cycles)
        self.status = RunStatus.RUNNING
        #: Called with every event after it is written (the console printer, for example).
        self.listener: Callable[[Event], None] | None = None
        self._events = (directory / EVENTS_FILE).open("a", encoding="utf-8")
        self._annotations = (directory / ANNOTATIONS_FILE).open("a", encoding="utf-8", newline="")
        self._annotation_writer = csv.writer(self._annotations)
        if self._annotations.tell() == 0:
            self._annotation_writer.writerow(ANNOTATION_COLUMNS)

    @classmethod
    def create(cls, directory: Path, config: dict[str, Any]) -> RunStore:
        """Start a new run directory; refuses one that already holds a run."""
        if (directory / CONFIG_FILE).exists() or (directory / EVENTS_FILE).exists():
            raise FileExistsError(
                f"run directory {directory} already exists; choose another --name or use --resume"
            )
        directory.mkdir(parents=True, exist_ok=True)
        write_json_atomic(directory / CONFIG_FILE, config)
        store = cls(directory, config, [])
        store.write_summary()
        return store

    @classmethod
    def reopen(
        cls, directory: Path, cycles: list[dict[str, Any]], replay_from: int | None = None
    ) -> RunStore:
        """Continue writing an existing run directory (resume).

        ``replay_from``: the first cycle the resumed run labels again (-1: the initial set);
        answers logged for it and later cycles are dropped, since they will be logged again.
        """
        if replay_from is not None:
            drop_answers_from(directory / ANNOTATIONS_FILE, replay_from)
        store = cls(directory, read_json(directory / CONFIG_FILE), cycles)
        store._repair_events_tail()
        return store

    def _repair_events_tail(self) -> None:
        """A run killed mid-write may end without a newline: start the next event on a new line."""
        path = self.directory / EVENTS_FILE
        if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            self._events.write("\n")

    def emit(self, event: Event) -> None:
        """Append the event (flushed), and keep the summary and annotation log current."""
        self._events.write(json.dumps(event, separators=(",", ":")) + "\n")
        self._events.flush()
        name = event["event"]
        if name == EventName.RUN_STARTED and event.get("initial"):
            self._log_answers(event["initial"], cycle=-1)
        elif name == EventName.QUERY:
            self._log_answers(event, cycle=event["cycle"])
        elif name == EventName.CYCLE_FINISHED:
            self.cycles.append(event["record"])
            self.write_summary()
        if self.listener is not None:
            self.listener(event)

    def _log_answers(self, fields: dict[str, Any], cycle: int) -> None:
        truth = dict(zip(fields.get("indices", []), fields.get("true_labels", []), strict=False))
        relabel = fields.get("relabel") or {}  # re-asked items are not among the new indices
        truth.update(zip(relabel.get("indices", []), relabel.get("true_labels", []), strict=False))
        for item, annotator, label in fields.get("answers", []):
            self._annotation_writer.writerow([item, annotator, label, truth.get(item, ""), cycle])
        self._annotations.flush()

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        """Write what resume needs, with the hash that ties it to config.json."""
        checkpoint = {**state, CONFIG_HASH_KEY: config_hash(self.config)}
        write_json_atomic(self.directory / CHECKPOINT_FILE, checkpoint)

    def write_summary(self, error: str | None = None) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "config": self.config,
            "cycles": self.cycles,
            "status": self.status,
        }
        if error:
            summary["error"] = error
        write_json_atomic(self.directory / SUMMARY_FILE, summary)
        return summary

    def finish(self, status: RunStatus, error: str | None = None) -> dict[str, Any]:
        """Record how the run ended; returns the final summary."""
        self.status = status
        self.emit(run_finished_event(status=status, error=error))
        summary = self.write_summary(error)
        self._events.close()
        self._annotations.close()
        return summary


def drop_answers_from(path: Path, cycle: int) -> None:
    """Rewrite annotations.csv without the rows of ``cycle`` and later (and torn rows)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, *rows = rows or [[]]
    if header == ["item", "annotator", "label", "cycle"]:
        # Written before the log named its columns for crowd tools: keep it, true label unknown.
        rows = [[*row[:3], "", *row[3:]] if len(row) == 4 else row for row in rows]
    width = len(ANNOTATION_COLUMNS)
    kept = [row for row in rows if len(row) == width and row[-1].lstrip("-").isdigit()]
    kept = [row for row in kept if int(row[-1]) < cycle]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([ANNOTATION_COLUMNS, *kept])
    os.replace(temporary, path)


def read_summary(directory: Path) -> dict[str, Any] | None:
    """The run's summary, or None when it is missing or unreadable."""
    return read_json_object(directory / SUMMARY_FILE)


def read_checkpoint(directory: Path) -> dict[str, Any] | None:
    """What resume needs, or None when the run never finished its initial labeling."""
    return read_json_object(directory / CHECKPOINT_FILE)

"""Resume trusts a run folder only when its files agree with each other.

A folder may have been copied, edited, truncated or half-deleted. Before a run continues
from it, config.json, checkpoint.json, events.jsonl and annotations.csv must tell one story:
the config unchanged since the start (its hash is in the checkpoint), a labeled set of the
size the cycles imply with every index in the pool, and the answers of every finished cycle
logged with the same items. Anything else raises :class:`FolderMismatch` naming the file.
Standard library and numpy only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from palsim.events import Event, EventName, open_regular, read_events
from palsim.store import (
    ANNOTATION_COLUMNS,
    ANNOTATIONS_FILE,
    CHECKPOINT_FILE,
    CONFIG_HASH_KEY,
    config_hash,
)

# The log's header before it named its columns for crowd tools (still read on resume).
OLD_ANNOTATION_COLUMNS = ["item", "annotator", "label", "cycle"]
STATE_KEYS = (
    "next_cycle",
    "labeled",
    "labels",
    "annotators",
    "records",
    "total_label_cost",
    "answers",
    "initial_draw",
)


class FolderMismatch(ValueError):
    """The run folder's files disagree; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Expected:
    """What the configuration implies about the folder."""

    config: dict[str, Any]  # config.json as written
    pool_indices: np.ndarray  # training-split index of each pool position
    num_classes: int
    initial: int  # size of the initial labeled set
    budget: int  # samples queried per cycle
    cycles: int
    reasks: int = 0  # labels re-asked per cycle: served labels of earlier items may change

    def labeled_after(self, next_cycle: int) -> int:
        """Labeled-set size after cycles ``0 .. next_cycle - 1`` (the last cycle asks none)."""
        return self.initial + min(next_cycle, self.cycles - 1) * self.budget

    def segments(self, next_cycle: int) -> list[tuple[int, int, int]]:
        """(cycle, start, end) of the labeled set's answers: -1 the initial set, then queries."""
        parts = [(-1, 0, self.initial)]
        for cycle in range(min(next_cycle, self.cycles - 1)):
            start = self.initial + cycle * self.budget
            parts.append((cycle, start, start + self.budget))
        return parts


def checked_checkpoint(directory: Path, checkpoint: Any, expected: Expected) -> dict[str, Any]:
    """The checkpoint's loop state, after checking it against every other file of the folder."""
    if not isinstance(checkpoint, dict):
        raise FolderMismatch(f"{CHECKPOINT_FILE} is unreadable or not a JSON object")
    if checkpoint.get(CONFIG_HASH_KEY) != config_hash(expected.config):
        raise FolderMismatch(
            f"config.json has changed since the run started (its hash in {CHECKPOINT_FILE} "
            "differs), or the checkpoint was written by an older palsim"
        )
    state = {key: checkpoint.get(key) for key in STATE_KEYS}
    check_state(state, expected)
    events = read_events(directory)
    check_events(events, state, expected)
    check_annotations(directory / ANNOTATIONS_FILE, state, expected)
    return state


def check_fresh(directory: Path) -> None:
    """No checkpoint: fine only if no cycle was ever finished (the run restarts from scratch)."""
    events = read_events(directory)
    if any(e.get("event") in (EventName.QUERY, EventName.CYCLE_FINISHED) for e in events):
        raise FolderMismatch(f"{CHECKPOINT_FILE} is missing but events.jsonl logs finished work")


def _is_int_list(value: Any) -> bool:
    return isinstance(value, list) and all(type(x) is int for x in value)


def check_state(state: dict[str, Any], expected: Expected) -> None:
    """Types, sizes and ranges of the checkpoint's fields."""
    problem = f"{CHECKPOINT_FILE} disagrees with config.json"
    next_cycle, labeled, labels = state["next_cycle"], state["labeled"], state["labels"]
    if type(next_cycle) is not int or not 0 <= next_cycle <= expected.cycles:
        raise FolderMismatch(f"{problem}: next_cycle {next_cycle!r} outside 0..{expected.cycles}")
    if not _is_int_list(labeled) or not _is_int_list(labels):
        raise FolderMismatch(f"{CHECKPOINT_FILE}: labeled and labels must be lists of integers")
    size = expected.labeled_after(next_cycle)
    if len(labeled) != size or len(labels) != size:
        raise FolderMismatch(f"{problem}: {len(labeled)} labeled samples where {size} belong")
    if len(set(labeled)) != size or min(labeled) < 0 or max(labeled) >= len(expected.pool_indices):
        raise FolderMismatch(f"{problem}: labeled pool positions repeat or lie outside the pool")
    if min(labels) < 0 or max(labels) >= expected.num_classes:
        raise FolderMismatch(f"{problem}: a label outside 0..{expected.num_classes - 1}")
    annotators = state["annotators"]
    if not isinstance(annotators, list) or len(annotators) != size:
        raise FolderMismatch(f"{problem}: annotators do not match the labeled set")
    records = state["records"]
    if not isinstance(records, list) or len(records) != next_cycle:
        raise FolderMismatch(f"{problem}: {next_cycle} cycles done but records differ in number")
    for cycle, record in enumerate(records):
        if not isinstance(record, dict) or record.get("cycle") != cycle:
            raise FolderMismatch(f"{problem}: the record of cycle {cycle} is missing or wrong")
    answers = state["answers"]  # every individual [item, annotator, label]; re-asks need them
    if answers is None:
        state["answers"] = []
    elif not isinstance(answers, list) or not all(
        isinstance(a, list) and len(a) == 3 and type(a[0]) is int and type(a[2]) is int
        for a in answers
    ):
        raise FolderMismatch(f"{CHECKPOINT_FILE}: answers must be [item, annotator, label] lists")
    if type(state["total_label_cost"]) not in (int, float):
        raise FolderMismatch(f"{CHECKPOINT_FILE}: total_label_cost is not a number")
    state["initial_draw"] = checked_initial_draw(state["initial_draw"])


def _is_diagnostic(value: Any) -> bool:
    number = (int, float)
    return (type(value) in number and not isinstance(value, bool)) or (
        isinstance(value, list) and all(type(x) in number for x in value)
    )


def checked_initial_draw(draw: Any) -> dict[str, Any]:
    """The initial-set strategy's diagnostics and warnings, kept for cycle 0's record: a
    dict of ``diagnostics`` (name -> number or list of numbers) and ``warnings`` (lines);
    ``{}`` when absent (a random initial set, or a checkpoint of an older palsim)."""
    if draw is None or draw == {}:
        return {}
    problem = f"{CHECKPOINT_FILE}: initial_draw must hold diagnostics and warnings"
    if not isinstance(draw, dict) or set(draw) != {"diagnostics", "warnings"}:
        raise FolderMismatch(problem)
    diagnostics, warnings = draw["diagnostics"], draw["warnings"]
    if not isinstance(diagnostics, dict) or not all(
        isinstance(k, str) and _is_diagnostic(v) for k, v in diagnostics.items()
    ):
        raise FolderMismatch(problem)
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise FolderMismatch(problem)
    return draw


def check_events(events: list[Event], state: dict[str, Any], expected: Expected) -> None:
    """The logged run_started config and the answers of every finished cycle match the state."""
    where = "events.jsonl disagrees with checkpoint.json"
    starts = [e for e in events if e.get("event") == EventName.RUN_STARTED]
    if not starts:
        raise FolderMismatch("events.jsonl is missing or lacks the run_started event")
    wanted = config_hash(expected.config)
    for event in starts:
        config = event.get("config")
        if not isinstance(config, dict) or config_hash(config) != wanted:
            raise FolderMismatch("events.jsonl: a run_started event has another config")
    fresh = [e for e in starts if e.get("resumed_from") is None]
    answers: dict[int, Any] = {-1: fresh[-1].get("initial") if fresh else None}
    for event in events:  # a replayed cycle logs its query again: the last one counts
        if event.get("event") == EventName.QUERY and isinstance(event.get("cycle"), int):
            answers[event["cycle"]] = event
    items = expected.pool_indices[np.asarray(state["labeled"], dtype=np.int64)].tolist()
    for cycle, start, end in expected.segments(state["next_cycle"]):
        logged = answers.get(cycle)
        if not isinstance(logged, dict):
            raise FolderMismatch(f"{where}: the answers of cycle {cycle} are missing")
        if logged.get("indices") != items[start:end]:
            raise FolderMismatch(f"{where}: cycle {cycle} queried other samples")
        # A re-ask may change an earlier item's served label: then only the items must match.
        if not expected.reasks and logged.get("oracle_labels") != state["labels"][start:end]:
            raise FolderMismatch(f"{where}: cycle {cycle} got other answers")


def check_annotations(path: Path, state: dict[str, Any], expected: Expected) -> None:
    """annotations.csv holds, for every finished cycle, answers for exactly its items."""
    where = f"{ANNOTATIONS_FILE} disagrees with checkpoint.json"
    try:
        with open_regular(path) as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        raise FolderMismatch(f"{ANNOTATIONS_FILE} is missing or unreadable") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or rows[0] not in (ANNOTATION_COLUMNS, OLD_ANNOTATION_COLUMNS):
        raise FolderMismatch(f"{ANNOTATIONS_FILE} lacks its header line")
    header = rows[0]
    columns = [header.index(name) for name in (header[0], "label", "cycle")]  # item first
    by_cycle: dict[int, list[tuple[int, int]]] = {}
    for row in rows[1:]:  # a torn row (a crash mid-write) is ignored, as resume drops it
        if len(row) == len(header) and all(row[i].lstrip("-").isdigit() for i in columns):
            item, label, cycle = (int(row[i]) for i in columns)
            by_cycle.setdefault(cycle, []).append((item, label))
    items = expected.pool_indices[np.asarray(state["labeled"], dtype=np.int64)].tolist()
    for cycle, start, end in expected.segments(state["next_cycle"]):
        logged = by_cycle.get(cycle, [])
        logged_items, new_items = {item for item, _ in logged}, set(items[start:end])
        if expected.reasks:  # re-asked answers of earlier items are logged in this cycle too
            logged_items -= set(items[:start]) if cycle >= 0 else set()
        if logged_items != new_items:
            raise FolderMismatch(f"{where}: the answers of cycle {cycle} are missing or others")
        if any(not 0 <= label < expected.num_classes for _, label in logged):
            raise FolderMismatch(f"{where}: a label of cycle {cycle} is outside the classes")
        if not expected.reasks and len(logged) == end - start:  # one answer each: the kept label
            kept = dict(zip(items[start:end], state["labels"][start:end], strict=True))
            if any(kept[item] != label for item, label in logged):
                raise FolderMismatch(f"{where}: cycle {cycle} has other answers")


# Options whose flag is not the key with dashes.
OPTION_NAMES = {"learning_rate": "--lr", "strategy_options": "--strategy-option"}
#: May differ on resume: where the dataset files are on this machine changes no result.
RESUMABLE_CHANGES = frozenset({"data_dir"})


def changed_options(saved: dict[str, Any], overrides: dict[str, Any]) -> list[str]:
    """The options given with ``--resume`` that differ from the run's config.json.

    ``overrides`` maps config keys to the values given on the command line (None: not given).
    An option equal to the saved value changes nothing and is accepted.
    """
    changed = []
    for key, value in overrides.items():
        if value is None or key in RESUMABLE_CHANGES:
            continue
        old = saved.get(key)
        if value != old and str(value) != str(old):
            option = OPTION_NAMES.get(key, "--" + key.replace("_", "-"))
            changed.append(f"{option} {value} (the run has {old})")
    return changed


def check_resume_options(directory: Path, overrides: dict[str, Any]) -> None:
    """Raise ValueError when options given with ``--resume DIR`` would change its study."""
    from palsim.events import CONFIG_FILE, read_json_object

    changes = changed_options(read_json_object(directory / CONFIG_FILE) or {}, overrides)
    if changes:
        raise ValueError(
            f"--resume {directory}: options that would change the study: {'; '.join(changes)}; "
            "resume without them, or start a new run with another --name"
        )

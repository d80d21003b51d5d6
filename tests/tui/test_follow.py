"""EventTail and RunState without the UI: partial lines, late files, truncation, status."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fake_run import run_events

from palsim.events import EventName
from tui.follow import EventTail, split_progress
from tui.run_state import RunState


def test_missing_file_then_appearing(tmp_path: Path) -> None:
    tail = EventTail(tmp_path / "events.jsonl")
    first = tail.poll()
    assert (first.events, first.mtime) == ([], None)
    (tmp_path / "events.jsonl").write_text('{"event": "run_started", "time": 1}\n')
    assert [e["event"] for e in tail.poll().events] == [EventName.RUN_STARTED]


def test_partial_line_is_kept_until_completed(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    line = json.dumps({"event": EventName.CYCLE_STARTED, "time": 1, "cycle": 0, "labeled": 100})
    path.write_text(line[:10])
    tail_read = EventTail(path)
    read = tail_read.poll()
    assert read.events == [] and read.partial_tail
    with path.open("a") as handle:
        handle.write(line[10:] + "\n")
    read = tail_read.poll()
    assert [e["labeled"] for e in read.events] == [100]
    assert not read.partial_tail


def test_multibyte_character_split_across_polls(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    event = {"event": EventName.PHASE, "time": 1, "detail": "é"}
    data = json.dumps(event, ensure_ascii=False) + "\n"
    raw = data.encode()
    cut = raw.index("é".encode()) + 1  # in the middle of the two-byte character
    path.write_bytes(raw[:cut])
    tail = EventTail(path)
    assert tail.poll().events == []
    with path.open("ab") as handle:
        handle.write(raw[cut:])
    assert tail.poll().events[0]["detail"] == "é"


def test_truncated_file_resets(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"event": "run_started", "time": 1}\n' * 3)
    tail = EventTail(path)
    assert len(tail.poll().events) == 3
    path.write_text('{"event": "run_started", "time": 2}\n')
    read = tail.poll()
    assert read.reset and len(read.events) == 1


def test_split_progress_keeps_order_and_collapses_progress() -> None:
    events = [
        {"event": EventName.CYCLE_STARTED},
        {"event": EventName.EPOCH, "epoch": 1},
        {"event": EventName.EPOCH, "epoch": 2},
        {"event": EventName.EVALUATED},
        {"event": EventName.PHASE, "phase": "query"},
    ]
    groups = split_progress(events)
    assert [[e["event"] for e in g] for g in groups] == [
        [EventName.CYCLE_STARTED],
        [EventName.EPOCH],
        [EventName.EVALUATED],
        [EventName.PHASE],
    ]
    assert groups[1][0]["epoch"] == 2


def test_status_rules() -> None:
    now = time.time()
    state = RunState(name="r")
    assert state.status(now) == "waiting"
    state.apply_all(run_events("r", cycles=2, finished=False))
    state.last_write = now
    assert state.status(now) == "running"
    state.partial_tail = True
    assert state.status(now) == "running"  # a line being written right now
    assert state.status(now + 60) == "crashed"
    state.partial_tail = False
    assert state.status(now + 3600) == "stalled"
    state.apply({"event": EventName.RUN_FINISHED, "status": "interrupted", "error": None})
    assert state.status(now + 3600) == "interrupted"


def test_state_folds_records_and_queries() -> None:
    state = RunState(name="r")
    state.apply_all(run_events("r", cycles=3))
    assert state.curve_points() == ((100, 0.6125), (150, 0.7034), (200, 0.7588))
    assert sorted(state.queries) == [0, 1]  # the last cycle queries nothing
    assert state.end_status == "finished"

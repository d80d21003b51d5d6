import json
from typing import Any

import pytest

import palsim.events as events_module
from palsim.events import (
    EventName,
    cycle_started_event,
    make_event,
    parse_lines,
    query_event,
    read_events,
    run_finished_event,
)

# One call per event kind, with every field its constructor requires.
SAMPLE_FIELDS: dict[EventName, dict[str, Any]] = {
    EventName.RUN_STARTED: dict(
        config={"seed": 0},
        dataset="fashion-mnist",
        num_classes=10,
        class_names=["a"] * 10,
        pool_size=100,
        test_size=50,
        device="cpu",
        model="cnn3",
        excluded_classes=[],
        resumed_from=None,
        initial=None,
    ),
    EventName.CYCLE_STARTED: dict(cycle=0, labeled=10),
    EventName.PHASE: dict(cycle=0, phase="train", detail="cnn3 on 10"),
    EventName.EPOCH: dict(cycle=0, phase="train", epoch=1, epochs=2, loss=0.5),
    EventName.EVALUATED: dict(cycle=0, labeled=10, test_accuracy=0.75),
    EventName.QUERY: dict(
        cycle=0,
        scores=None,
        indices=[4],
        true_labels=[1],
        oracle_labels=[2],
        annotators=None,
        answers=[[4, "oracle", 2]],
        cost=1.0,
    ),
    EventName.CYCLE_FINISHED: dict(record={"cycle": 0}),
    EventName.RUN_FINISHED: dict(status="finished", error=None),
    EventName.WARNING: dict(cycle=0, message="task model ends the cycle near chance"),
}


@pytest.mark.parametrize("name", list(EventName))
def test_each_kind_has_a_constructor_that_writes_plain_json(name: EventName) -> None:
    constructor = getattr(events_module, f"{name.value}_event")
    event = constructor(**SAMPLE_FIELDS[name], added_later=3)
    on_disk = json.loads(json.dumps(event))
    assert type(on_disk["event"]) is str and on_disk["event"] == name.value
    assert list(on_disk) == ["event", "time", *SAMPLE_FIELDS[name], "added_later"]


def test_constructors_require_their_fields() -> None:
    with pytest.raises(TypeError, match="labeled"):
        cycle_started_event(cycle=0)  # type: ignore[call-arg]


def test_the_json_line_is_the_documented_one() -> None:
    event = {**run_finished_event(status="failed", error="boom"), "time": 1.5}
    line = json.dumps(event, separators=(",", ":"))
    assert line == '{"event":"run_finished","time":1.5,"status":"failed","error":"boom"}'
    query = query_event(**SAMPLE_FIELDS[EventName.QUERY])
    assert query["event"] == "query" and query["answers"] == [[4, "oracle", 2]]


def test_make_event_stamps_name_and_time() -> None:
    event = make_event("cycle_started", cycle=2, labeled=10)
    assert event["event"] is EventName.CYCLE_STARTED and event["cycle"] == 2
    assert isinstance(event["time"], float)
    with pytest.raises(ValueError, match="unknown event 'nope'; known: run_started, cycle_"):
        make_event("nope")


def test_reader_skips_a_truncated_last_line(tmp_path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(cycle_started_event(cycle=c, labeled=1)) for c in range(3)]
    path.write_text("\n".join(lines) + '\n{"event": "epoch", "cyc')
    events = read_events(tmp_path)
    assert [e["cycle"] for e in events] == [0, 1, 2]


def test_parse_lines_returns_the_unfinished_tail() -> None:
    events, tail = parse_lines('{"event": "phase"}\nnot json\n{"event": "ep')
    assert events == [{"event": "phase"}]
    assert tail == '{"event": "ep'

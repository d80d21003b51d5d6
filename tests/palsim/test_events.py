import json

import pytest

from palsim.events import make_event, parse_lines, read_events


def test_make_event_stamps_name_and_time() -> None:
    event = make_event("cycle_started", cycle=2, labeled=10)
    assert event["event"] == "cycle_started" and event["cycle"] == 2
    assert isinstance(event["time"], float)
    with pytest.raises(ValueError, match="unknown event 'nope'"):
        make_event("nope")


def test_reader_skips_a_truncated_last_line(tmp_path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [json.dumps(make_event("cycle_started", cycle=c, labeled=1)) for c in range(3)]
    path.write_text("\n".join(lines) + '\n{"event": "epoch", "cyc')
    events = read_events(tmp_path)
    assert [e["cycle"] for e in events] == [0, 1, 2]


def test_parse_lines_returns_the_unfinished_tail() -> None:
    events, tail = parse_lines('{"event": "phase"}\nnot json\n{"event": "ep')
    assert events == [{"event": "phase"}]
    assert tail == '{"event": "ep'

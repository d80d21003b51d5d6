"""The query panel's per-annotator answers (re-asks included) and the cycle's re-asks."""

from __future__ import annotations

from tui.query_stats import summary_lines
from tui.run_state import CycleQuery

EVENT = {
    "event": "query",
    "cycle": 0,
    "indices": [10, 11, 12],
    "true_labels": [1, 2, 3],
    "oracle_labels": [1, 0, 3],
    "annotators": ["a1", "a2", "a1"],
    "scores": None,
    "cost": 5.0,
    "answers": [
        [4, "a2", 0],
        [5, "a3", 2],
        [10, "a1", 1],
        [11, "a2", 0],
        [12, "a1", 3],
        ["bad"],
        [13, "a1"],
    ],
    "relabel": {
        "indices": [4, 5],
        "true_labels": [0, 1],
        "labels_before": [1, 1],
        "labels_after": [0, 1],
        "annotators": ["a1+a2", "a1+a3"],
    },
}


def test_reasks_are_read_from_the_event_and_their_answers_counted() -> None:
    query = CycleQuery.from_event(EVENT)
    assert query.reasked == 2 and query.reask_changed == 1
    # a2 answered item 4 right and item 11 wrong; a3 answered item 5 wrong; a1 twice right.
    stats = {s.annotator: (s.answers, s.wrong) for s in query.annotators}
    assert stats == {"a2": (2, 1), "a1": (2, 0), "a3": (1, 1)}


def test_summary_shows_the_reasks_only_when_there_are_some() -> None:
    lines = [line.plain for line in summary_lines(CycleQuery.from_event(EVENT))]
    assert "re-asked 2 labels, 1 changed" in lines
    event = {key: value for key, value in EVENT.items() if key != "relabel"}
    lines = [line.plain for line in summary_lines(CycleQuery.from_event(event))]
    assert not any(line.startswith("re-asked") for line in lines)

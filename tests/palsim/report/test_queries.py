"""The classes a run's queries asked for, read from its events: counted, named, and safe
against what a copied run folder may hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from palsim.report.queries import class_header, class_ids, queried_classes, shares


def write_events(directory: Path, events: list[dict[str, object]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(event) + "\n" for event in events)
    (directory / "events.jsonl").write_text(text)
    return directory


def test_counts_true_labels_of_queries_only_with_listed_names(tmp_path: Path) -> None:
    run = write_events(
        tmp_path / "run",
        [
            {"event": "run_started", "time": 0.0, "class_names": ["cat", "dog", "bird"]},
            {"event": "labeled", "time": 1.0, "true_labels": [0, 0, 0]},
            {"event": "query", "time": 2.0, "cycle": 0, "true_labels": [1, 2, 2]},
            {"event": "query", "time": 3.0, "cycle": 1, "true_labels": [2, 0]},
        ],
    )
    tally, names = queried_classes(run)
    assert tally == Counter({2: 3, 1: 1, 0: 1})
    assert names == ["cat", "dog", "bird"]


def test_hostile_labels_and_names_are_left_out_or_escaped(tmp_path: Path) -> None:
    run = write_events(
        tmp_path / "run",
        [
            {"event": "run_started", "time": 0.0, "class_names": ["\x1b[31mred"]},
            {"event": "query", "time": 1.0, "true_labels": [1, -1, True, "2", 2.0, None, 3]},
            {"event": "query", "time": 2.0, "true_labels": "0,1"},
            {"event": "query", "time": 3.0},
        ],
    )
    tally, names = queried_classes(run)
    assert tally == Counter({1: 1, 3: 1})
    assert names == ["\\x1b[31mred"]
    assert class_ids({"a": 1}) == []


def test_a_folder_without_events_counts_nothing(tmp_path: Path) -> None:
    assert queried_classes(tmp_path) == (Counter(), [])


def test_header_names_listed_classes_and_numbers_the_rest() -> None:
    assert class_header(["a", "b"], [Counter({0: 1}), Counter({3: 2})]) == ["a", "b", "2", "3"]
    assert class_header(["a", "b", "c"], [Counter({0: 1})]) == ["a", "b", "c"]
    assert class_header([], []) == []


def test_shares_are_percent_of_the_queries() -> None:
    assert shares(Counter({0: 1, 2: 3}), 3) == [25.0, 0.0, 75.0]
    assert shares(Counter(), 2) == [0.0, 0.0]

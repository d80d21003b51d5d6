"""Deterministic fake run folders, written the way the engine writes them.

Used by the dashboard tests and by scripts/dashboard_screenshot.py.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from palsim.events import (
    Event,
    EventName,
    cycle_finished_event,
    cycle_started_event,
    epoch_event,
    evaluated_event,
    phase_event,
    query_event,
    run_finished_event,
    run_started_event,
)

CLASS_NAMES = [
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "boot",
]
ANNOTATORS = ["alice", "bob", "carol"]
ERROR_RATES = {"alice": 0.1, "bob": 0.25, "carol": 0.5}  # per answer, in the vote mode
ACCURACIES = [0.6125, 0.7034, 0.7588, 0.7912, 0.8106, 0.8233]
START_TIME = 1_700_000_000.0
EPOCHS = 3
INITIAL = 100
BUDGET = 50


def make_config(
    name: str, strategy: str = "pal", oracle: str = "noisy:0.2", cycles: int = 4
) -> dict[str, Any]:
    return {
        "dataset": "fashion_mnist",
        "strategy": strategy,
        "oracle": oracle,
        "seed": 0,
        "noise_seed": 1,
        "initial": INITIAL,
        "budget": BUDGET,
        "cycles": cycles,
        "epochs": EPOCHS,
        "preset": "quick",
        "model": "cnn3",
        "device": "cpu",
        "name": name,
    }


def _fixed_time(event: Event) -> Event:
    """The engine's event with a fixed time stamp, so that the fake log is deterministic."""
    return {**event, "time": START_TIME}


def fake_query(cycle: int, annotators: bool = True, vote: bool = False) -> Event:
    """A query of BUDGET samples; about one answer in five is wrong.

    ``annotators``: answered by ``alice``, ``bob`` and ``carol`` in turn (else by one oracle);
    ``vote``: each item answered by all three, in a random order, and decided by plurality.
    """
    rng = random.Random(cycle)
    true = [rng.randrange(len(CLASS_NAMES)) for _ in range(BUDGET)]
    oracle = [t if rng.random() > 0.2 else (t + 1) % len(CLASS_NAMES) for t in true]
    indices = [rng.randrange(60_000) for _ in range(BUDGET)]
    who: list[str] | None = None
    answers = [[item, "oracle", label] for item, label in zip(indices, oracle, strict=True)]
    if vote:
        who, answers, oracle = _votes(rng, indices, true)
    elif annotators:
        who = [ANNOTATORS[i % 3] for i in range(BUDGET)]
        answers = [[i, name, y] for i, name, y in zip(indices, who, oracle, strict=True)]
    event = query_event(
        cycle=cycle,
        scores={
            "min": -3.5,
            "max": -0.25,
            "mean": -1.8,
            "std": 0.7,
            "histogram": {"edges": [-3.5, -2.7, -1.9, -1.1, -0.25], "counts": [5, 12, 25, 8]},
        },
        indices=indices,
        true_labels=true,
        oracle_labels=oracle,
        annotators=who,
        answers=answers,
        cost=float(len(answers)),
    )
    return _fixed_time(event)


def _votes(
    rng: random.Random, indices: list[int], true: list[int]
) -> tuple[list[str], list[list[Any]], list[int]]:
    """Three votes per item; who voted (joined by +), every answer, the plurality labels."""
    classes = len(CLASS_NAMES)
    who, answers, labels = [], [], []
    for item, label in zip(indices, true, strict=True):
        voters = rng.sample(ANNOTATORS, len(ANNOTATORS))
        votes = [
            (label + 1 + rng.randrange(classes - 1)) % classes
            if rng.random() < ERROR_RATES[voter]
            else label
            for voter in voters
        ]
        who.append("+".join(voters))
        answers += [[item, v, y] for v, y in zip(voters, votes, strict=True)]
        labels.append(Counter(votes).most_common(1)[0][0])  # a tie: the first voter's label
    return who, answers, labels


def cycle_events(
    cycle: int, last: bool, annotators: bool = True, shift: float = 0.0, vote: bool = False
) -> list[Event]:
    """Every event of one cycle, from cycle_started to cycle_finished.

    ``shift`` moves the accuracies, so that overlaid fake runs differ.
    """
    labeled = INITIAL + cycle * BUDGET
    accuracy = round(ACCURACIES[cycle % len(ACCURACIES)] + shift, 4)
    events = [
        cycle_started_event(cycle=cycle, labeled=labeled),
        phase_event(cycle=cycle, phase="train", detail="cnn3"),
    ]
    events += [
        epoch_event(cycle=cycle, phase="train", epoch=e, epochs=EPOCHS, loss=1.5 / e)
        for e in range(1, EPOCHS + 1)
    ]
    events += [
        phase_event(cycle=cycle, phase="evaluate", detail=""),
        evaluated_event(cycle=cycle, labeled=labeled, test_accuracy=accuracy),
    ]
    query = None if last else fake_query(cycle, annotators, vote)
    if query is not None:
        events += [phase_event(cycle=cycle, phase="query", detail="pal"), query]
    wrong = (
        sum(t != o for t, o in zip(query["true_labels"], query["oracle_labels"], strict=True))
        if query
        else 0
    )
    record = {
        "cycle": cycle,
        "labeled": labeled,
        "test_accuracy": accuracy,
        "noisy_labels": labeled // 5,
        "noise_rate": (labeled // 5) / labeled,
        "queried": 0 if last else BUDGET,
        "query_noisy": wrong,
        "label_cost": 0.0 if last else float(BUDGET),
        "train_seconds": 10.0 + cycle,
        "query_seconds": 0.0 if last else 2.5,
    }
    events.append(cycle_finished_event(record=record))
    return [_fixed_time(event) for event in events]


def run_events(
    name: str,
    cycles: int,
    finished: bool = True,
    shift: float = 0.0,
    vote: bool = False,
    **config: Any,
) -> list[Event]:
    """run_started, `cycles` full cycles, and run_finished when finished."""
    started = run_started_event(
        config=make_config(name, cycles=cycles, **config),
        dataset="fashion_mnist",
        num_classes=len(CLASS_NAMES),
        class_names=CLASS_NAMES,
        pool_size=60_000,
        test_size=10_000,
        device="cpu",
        model="cnn3",
        excluded_classes=[],
        resumed_from=None,
        initial=None,
    )
    events = [_fixed_time(started)]
    for cycle in range(cycles):
        last = finished and cycle == cycles - 1
        events += cycle_events(cycle, last=last, shift=shift, vote=vote)
    if finished:
        events.append(_fixed_time(run_finished_event(status="finished", error=None)))
    return events


def append_events(run_dir: Path, events: list[Event], tail: str = "") -> None:
    """Append whole lines (and optionally an unfinished one), flushed like the engine does."""
    with (run_dir / "events.jsonl").open("a", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event) + "\n")
        handle.write(tail)


def write_run(
    root: Path,
    name: str,
    cycles: int = 4,
    finished: bool = True,
    shift: float = 0.0,
    vote: bool = False,
    **config: Any,
) -> Path:
    """A run folder with config.json, events.jsonl and (when finished) summary.json."""
    run_dir = root / name
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = make_config(name, cycles=cycles, **config)
    (run_dir / "config.json").write_text(json.dumps(resolved), encoding="utf-8")
    events = run_events(name, cycles, finished, shift, vote, **config)
    append_events(run_dir, events)
    if finished:
        records = [e["record"] for e in events if e["event"] == EventName.CYCLE_FINISHED]
        summary = {"config": resolved, "cycles": records, "status": "finished"}
        (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return run_dir

"""Deterministic fake run folders, written the way the engine writes them.

Used by the dashboard tests and by scripts/dashboard_screenshot.py.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

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


def _event(name: str, **fields: Any) -> dict[str, Any]:
    return {"event": name, "time": START_TIME, **fields}


def query_event(cycle: int, annotators: bool = True) -> dict[str, Any]:
    """A query of BUDGET samples; about one answer in five is wrong."""
    rng = random.Random(cycle)
    true = [rng.randrange(len(CLASS_NAMES)) for _ in range(BUDGET)]
    oracle = [t if rng.random() > 0.2 else (t + 1) % len(CLASS_NAMES) for t in true]
    return _event(
        "query",
        cycle=cycle,
        indices=[rng.randrange(60_000) for _ in range(BUDGET)],
        true_labels=true,
        oracle_labels=oracle,
        annotators=[ANNOTATORS[i % 3] for i in range(BUDGET)] if annotators else None,
        scores={
            "min": -3.5,
            "max": -0.25,
            "mean": -1.8,
            "std": 0.7,
            "histogram": {"edges": [-3.5, -2.7, -1.9, -1.1, -0.25], "counts": [5, 12, 25, 8]},
        },
        cost=float(BUDGET),
    )


def cycle_events(
    cycle: int, last: bool, annotators: bool = True, shift: float = 0.0
) -> list[dict[str, Any]]:
    """Every event of one cycle, from cycle_started to cycle_finished.

    ``shift`` moves the accuracies, so that overlaid fake runs differ.
    """
    labeled = INITIAL + cycle * BUDGET
    accuracy = round(ACCURACIES[cycle % len(ACCURACIES)] + shift, 4)
    events = [
        _event("cycle_started", cycle=cycle, labeled=labeled),
        _event("phase", cycle=cycle, phase="train", detail="cnn3"),
    ]
    events += [
        _event("epoch", cycle=cycle, phase="train", epoch=e, epochs=EPOCHS, loss=1.5 / e)
        for e in range(1, EPOCHS + 1)
    ]
    events += [
        _event("phase", cycle=cycle, phase="evaluate", detail=""),
        _event("evaluated", cycle=cycle, labeled=labeled, test_accuracy=accuracy),
    ]
    query = None if last else query_event(cycle, annotators)
    if query is not None:
        events += [_event("phase", cycle=cycle, phase="query", detail="pal"), query]
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
    return [*events, _event("cycle_finished", record=record)]


def run_events(
    name: str, cycles: int, finished: bool = True, shift: float = 0.0, **config: Any
) -> list[dict[str, Any]]:
    """run_started, `cycles` full cycles, and run_finished when finished."""
    events = [
        _event(
            "run_started",
            config=make_config(name, cycles=cycles, **config),
            dataset="fashion_mnist",
            num_classes=len(CLASS_NAMES),
            class_names=CLASS_NAMES,
            pool_size=60_000,
            test_size=10_000,
            device="cpu",
            resumed_from=None,
        )
    ]
    for cycle in range(cycles):
        events += cycle_events(cycle, last=finished and cycle == cycles - 1, shift=shift)
    if finished:
        events.append(_event("run_finished", status="finished", error=None))
    return events


def append_events(run_dir: Path, events: list[dict[str, Any]], tail: str = "") -> None:
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
    **config: Any,
) -> Path:
    """A run folder with config.json, events.jsonl and (when finished) summary.json."""
    run_dir = root / name
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = make_config(name, cycles=cycles, **config)
    (run_dir / "config.json").write_text(json.dumps(resolved), encoding="utf-8")
    events = run_events(name, cycles, finished, shift, **config)
    append_events(run_dir, events)
    if finished:
        records = [e["record"] for e in events if e["event"] == "cycle_finished"]
        summary = {"config": resolved, "cycles": records, "status": "finished"}
        (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return run_dir

"""Finished run folders written by hand, in the layout the run store writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_run(
    root: Path,
    name: str,
    strategy: str,
    oracle: str,
    seed: int,
    accuracies: list[float],
    labeled: tuple[int, ...] = (100, 200, 300),
    noisy: int = 0,
    status: str = "finished",
    **settings: Any,
) -> Path:
    """A run folder with config.json and summary.json; ``settings`` override config keys."""
    directory = root / name
    directory.mkdir(parents=True)
    cycles = [
        {
            "cycle": c,
            "labeled": n,
            "test_accuracy": a,
            "noisy_labels": noisy,
            "noise_rate": noisy / n,
        }
        for c, (n, a) in enumerate(zip(labeled, accuracies, strict=True))
    ]
    config = {
        "dataset": "fashion-mnist",
        "strategy": strategy,
        "strategy_options": {},
        "oracle": oracle,
        "seed": seed,
        "noise_seed": seed,
        "epochs": 15,
        "device": "auto",
        "out": str(root),
        "name": name,
        **settings,
    }
    summary = {"config": config, "cycles": cycles, "status": status}
    (directory / "summary.json").write_text(json.dumps(summary))
    (directory / "config.json").write_text(json.dumps(config))
    return directory

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


def write_segmentation_run(
    root: Path,
    name: str,
    strategy: str,
    oracle: str,
    seed: int,
    mious: list[Any],
    pixel_accuracies: list[Any] | None = None,
    iou_last: Any = None,
    labeled: tuple[int, ...] = (60, 120, 180),
    **settings: Any,
) -> Path:
    """A fashion-scenes run folder: records with ``test_miou`` and ``test_pixel_accuracy``
    (0.9 each unless given), ``test_iou_per_class`` at the last cycle when given."""
    directory = root / name
    directory.mkdir(parents=True)
    pixels = pixel_accuracies or [0.9] * len(mious)
    cycles: list[dict[str, Any]] = [
        {
            "cycle": c,
            "labeled": n,
            "test_miou": miou,
            "test_pixel_accuracy": pixel,
            "noisy_labels": 0,
            "noise_rate": 0.0,
            "pixel_noise_rate": 0.1,
        }
        for c, (n, miou, pixel) in enumerate(zip(labeled, mious, pixels, strict=True))
    ]
    if iou_last is not None:
        cycles[-1]["test_iou_per_class"] = iou_last
    config = {
        "dataset": "fashion-scenes",
        "strategy": strategy,
        "strategy_options": {},
        "oracle": oracle,
        "seed": seed,
        "noise_seed": seed,
        "epochs": 10,
        "device": "auto",
        "out": str(root),
        "name": name,
        **settings,
    }
    summary = {"config": config, "cycles": cycles, "status": "finished"}
    (directory / "summary.json").write_text(json.dumps(summary))
    (directory / "config.json").write_text(json.dumps(config))
    return directory

"""A fake segmentation run folder: the fake classification log with mIoU and pixel counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fake_run import CLASS_NAMES, make_config, run_events

from palsim.events import Event, EventName

SEGMENTATION_CLASSES = ["background", *CLASS_NAMES]
ORACLE = "segment-flip:0.2"
MIOU_SCALE = 0.6  # the fake accuracies, scaled: mIoU sits well below pixel accuracy


def as_segmentation(event: Event) -> Event:
    """The same event as a segmentation run writes it (docs/formats.md)."""
    kind = event["event"]
    if kind == EventName.RUN_STARTED:
        return {
            **event,
            "task": "segmentation",
            "class_names": SEGMENTATION_CLASSES,
            "num_classes": len(SEGMENTATION_CLASSES),
            "dataset": "fashion-scenes",
            "config": {**event["config"], "dataset": "fashion-scenes", "oracle": ORACLE},
        }
    if kind == EventName.EVALUATED:
        fields = {k: v for k, v in event.items() if k != "test_accuracy"}
        return {**fields, "test_miou": round(event["test_accuracy"] * MIOU_SCALE, 4)}
    if kind == EventName.QUERY:
        counts = [0] * len(SEGMENTATION_CLASSES)
        counts[0] = 150_000  # background dominates a canvas
        for label in event["oracle_labels"]:
            counts[label + 1] += 400
        return {**event, "pixel_counts": counts}
    if kind == EventName.CYCLE_FINISHED:
        record = {k: v for k, v in event["record"].items() if k != "test_accuracy"}
        record["test_miou"] = round(event["record"]["test_accuracy"] * MIOU_SCALE, 4)
        return {**event, "record": record}
    return event


def write_segmentation_run(root: Path, name: str, cycles: int = 4) -> Path:
    """A finished segmentation run folder: config.json, events.jsonl, summary.json."""
    run_dir = root / name
    run_dir.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        **make_config(name, strategy="entropy", cycles=cycles),
        "dataset": "fashion-scenes",
        "oracle": ORACLE,
    }
    (run_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    events = [as_segmentation(e) for e in run_events(name, cycles, strategy="entropy")]
    with (run_dir / "events.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(event) + "\n" for event in events)
    records = [e["record"] for e in events if e["event"] == EventName.CYCLE_FINISHED]
    summary = {"config": config, "cycles": records, "status": "finished"}
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return run_dir

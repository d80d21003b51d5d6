"""Segmentation studies end to end on a small fashion-scenes pool: records, noise, resume."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from palsim.config import RunConfig
from palsim.events import EventName, read_events
from palsim.runner import execute, prepare, prepare_resume, run
from tests.conftest import requires_fashion_mnist

TIMES = ("train_seconds", "query_seconds")


def tiny(tmp_path: Path, name: str, **changes: Any) -> RunConfig:
    values: dict[str, Any] = dict(
        dataset="fashion-scenes",
        out=str(tmp_path),
        name=name,
        pool_size=120,
        initial="12",
        budget="12",
        cycles=3,
        epochs=1,
        min_steps=4,
        batch_size=8,
        device="cpu",
        strategy="entropy",
        test_size=40,
    )
    values.update(changes)
    return RunConfig(**values)


def without_times(cycles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in record.items() if k not in TIMES} for record in cycles]


def queries(directory: Path) -> list[list[int]]:
    return [e["indices"] for e in read_events(directory) if e["event"] == EventName.QUERY]


@requires_fashion_mnist
def test_records_hold_miou_pixel_accuracy_and_iou_per_class(tmp_path: Path) -> None:
    summary = run(tiny(tmp_path, "clean", cycles=2))
    first = summary["cycles"][0]
    assert "test_accuracy" not in first  # classification accuracy only
    assert 0 <= first["test_miou"] <= 1 and 0 <= first["test_pixel_accuracy"] <= 1
    assert len(first["test_iou_per_class"]) == 11
    present = [iou for iou in first["test_iou_per_class"] if iou is not None]
    assert first["test_miou"] == pytest.approx(sum(present) / len(present))
    assert first["noisy_pixels"] == 0 and first["query_mask_rates"]["pixel_error_rate"] == 0.0
    started = next(e for e in read_events(tmp_path / "clean") if e["event"] == "run_started")
    assert started["task"] == "segmentation" and started["model"] == "small-fcn"
    (query,) = [e for e in read_events(tmp_path / "clean") if e["event"] == EventName.QUERY]
    assert len(query["pixel_counts"]) == 11
    assert sum(query["pixel_counts"]) == 12 * 64 * 64  # no pixel of a canvas is ignored


@requires_fashion_mnist
def test_segment_flips_show_in_the_pixel_noise_and_the_rates(tmp_path: Path) -> None:
    summary = run(tiny(tmp_path, "flips", oracle="segment-flip:0.5", cycles=2))
    last = summary["cycles"][-1]
    assert last["noisy_pixels"] > 0 and 0 < last["pixel_noise_rate"] < 1
    rates = summary["cycles"][0]["query_mask_rates"]
    # 12 canvases hold dozens of segments: a flip rate of 0.5 is realised within 0.3 of it.
    assert abs(rates["segment_flip_rate"] - 0.5) < 0.3


@requires_fashion_mnist
@pytest.mark.parametrize(
    "strategy",
    [
        {"strategy": "entropy"},
        # PAL scores the whole pool and a probe of it each query: a smaller pool keeps it quick.
        {"strategy": "pal", "strategy_options": {"epochs": "1"}, "pool_size": 60},
    ],
)
def test_resume_after_an_interruption_replays_exactly(
    tmp_path: Path, strategy: dict[str, Any]
) -> None:
    expected = run(tiny(tmp_path, "whole", **strategy))

    def stop_in_cycle_1(event: dict[str, Any]) -> None:
        if event["event"] == EventName.CYCLE_STARTED and event["cycle"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(prepare(tiny(tmp_path, "cut", **strategy)), stop_in_cycle_1)
    resumed = execute(prepare_resume(tmp_path / "cut"))
    assert resumed["status"] == "finished"
    assert without_times(resumed["cycles"]) == without_times(expected["cycles"])
    assert queries(tmp_path / "cut") == queries(tmp_path / "whole")

"""The dashboard's state of a segmentation run: mIoU for the curve, pixels per class."""

from __future__ import annotations

from pathlib import Path

from fake_segmentation import MIOU_SCALE, write_segmentation_run

from palsim.events import read_events
from tui.query_stats import pixel_lines
from tui.run_state import RunState


def test_curve_reads_miou_and_queries_carry_pixel_counts(tmp_path: Path) -> None:
    run_dir = write_segmentation_run(tmp_path, "seg", cycles=3)
    state = RunState("seg")
    state.apply_all(read_events(run_dir))
    assert state.task == "segmentation" and state.score_name == "test mIoU"
    points = state.curve_points()
    assert [labeled for labeled, _ in points] == [100, 150, 200]
    assert points[0][1] == round(0.6125 * MIOU_SCALE, 4)
    query = state.queries[0]
    assert query.pixel_counts[0] == 150_000 and sum(query.pixel_counts[1:]) == 50 * 400
    lines = [line.plain for line in pixel_lines(query, dict(enumerate(state.class_names)))]
    assert lines[1].startswith("backgroun") and lines[1].endswith("150000")
    assert len(lines) == 1 + sum(1 for count in query.pixel_counts if count)

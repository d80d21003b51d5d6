"""The learning-curve plot as text."""

from __future__ import annotations

from tui.curve import MARKERS, Series, render_curve


def test_markers_axis_labels_and_legend() -> None:
    pal = Series("pal", ((100, 0.60), (150, 0.70), (200, 0.80)))
    rnd = Series("random", ((100, 0.55), (150, 0.62), (200, 0.66)))
    text = render_curve([pal, rnd], width=60, height=14).plain
    lines = text.splitlines()
    assert len(lines) == 14
    assert text.count(MARKERS[0]) == 3 + 1  # three points and the legend entry
    assert text.count(MARKERS[1]) == 3 + 1
    assert "pal" in lines[-1] and "random" in lines[-1]
    assert "100" in lines[-2] and "200" in lines[-2] and "labeled" in lines[-2]
    top, bottom = (float(lines[i].split("%")[0]) for i in (0, 10))
    assert 80.0 <= top < 82.0 and 53.0 < bottom <= 55.0  # the axis spans the data, a bit padded


def test_highest_point_is_on_the_top_row() -> None:
    text = render_curve([Series("a", ((10, 0.5), (20, 0.9)))], width=30, height=10).plain
    rows = text.splitlines()
    assert rows[0].rstrip().endswith(MARKERS[0])  # (20, 0.9): top right
    assert MARKERS[0] in rows[6] and rows[6].index(MARKERS[0]) == 7  # (10, 0.5): bottom left


def test_empty_and_tiny() -> None:
    assert "no evaluated cycle" in render_curve([Series("a", ())], 40, 10).plain
    assert "too small" in render_curve([Series("a", ((1, 0.5),))], 8, 3).plain

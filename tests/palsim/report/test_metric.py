"""`palsim report --metric`: mIoU and pixel accuracy of segmentation runs, worked by hand."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.report.aggregate import report
from palsim.report.metrics import choose_metric, task_of
from tests.palsim.report.fake_runs import write_run, write_segmentation_run

runner = CliRunner()
T_975_1 = 12.706204736174698  # t(0.975, 1 dof)


@pytest.fixture
def scenes(tmp_path) -> Path:
    """random and entropy on fashion-scenes, seeds 0 and 1, labeled 60, 120, 180."""
    root = tmp_path / "runs"
    flip = "segment-flip:0.2"
    write_segmentation_run(
        root, "random-s0", "random", flip, 0, [0.2, 0.4, 0.5], [0.80, 0.85, 0.90], [0.9, 0.2, None]
    )
    write_segmentation_run(
        root, "random-s1", "random", flip, 1, [0.4, 0.4, 0.7], [0.82, 0.86, 0.94], [0.8, None, None]
    )
    write_segmentation_run(root, "entropy-s0", "entropy", flip, 0, [0.3, 0.5, 0.6])
    write_segmentation_run(root, "entropy-s1", "entropy", flip, 1, [0.4, 0.6, 0.9])
    return root


def test_auto_reads_miou_of_segmentation_runs(scenes) -> None:
    groups, skipped = report(scenes)
    assert skipped == []
    entropy, random = groups
    assert random.metric.key == "test_miou" and random.key[2] == "random"
    assert [s.mean for s in random.values] == pytest.approx([0.3, 0.4, 0.6])
    assert [s.std for s in random.values] == pytest.approx([math.sqrt(0.02), 0, math.sqrt(0.02)])
    # AUBC, seed 0: ((0.2 + 0.4) / 2 + (0.4 + 0.5) / 2) / 2 = 0.375; seed 1: 0.475.
    assert random.aubc.mean == pytest.approx(0.425)
    assert random.final.mean == pytest.approx(0.6)
    # Per class at the last cycle, mean over the runs that have it: (0.9 + 0.8) / 2, 0.2, none.
    assert random.iou_per_class == pytest.approx([0.85, 0.2, None])
    assert entropy.iou_per_class is None  # no run recorded it
    # AUBC of entropy: seed 0 (0.4 + 0.55) / 2 = 0.475, seed 1 (0.5 + 0.75) / 2 = 0.625.
    assert entropy.aubc.mean == pytest.approx(0.55)


def test_pixel_accuracy_is_read_when_asked(scenes) -> None:
    groups, _ = report(scenes, "pixel-accuracy")
    random = groups[1]
    assert random.metric.label == "test pixel accuracy"
    assert [s.mean for s in random.values] == pytest.approx([0.81, 0.855, 0.92])
    assert groups[0].final.mean == pytest.approx(0.9)  # the writer's default


def test_paired_miou_differences_with_t_intervals(scenes) -> None:
    result = runner.invoke(
        app, ["report", str(scenes), "--metric", "miou", "--baseline", "random", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert value["metric"] == {
        "name": "miou",
        "key": "test_miou",
        "label": "test mIoU",
        "task": "segmentation",
    }
    random = value["groups"][1]
    assert random["final_miou"]["mean"] == pytest.approx(0.6)
    assert random["iou_per_class_last_cycle"] == pytest.approx([0.85, 0.2, None])
    (entropy,) = value["paired"]["comparisons"]
    assert "test mIoU" in value["paired"]["statistics"]
    # Final: 0.6 - 0.5 = 0.1 and 0.9 - 0.7 = 0.2, std 0.0707, half-width t * 0.0707 / sqrt 2.
    final = entropy["cycles"][-1]
    assert final["mean"] == pytest.approx(0.15) and final["n"] == 2
    assert final["ci95_high"] - final["mean"] == pytest.approx(T_975_1 * 0.05)
    # AUBC: 0.475 - 0.375 = 0.1 and 0.625 - 0.475 = 0.15.
    assert entropy["aubc"]["mean"] == pytest.approx(0.125)
    assert entropy["aubc"]["ci95_low"] == pytest.approx(0.125 - T_975_1 * 0.025)


def write_class_names(directory: Path, names: list[str]) -> None:
    started = {"event": "run_started", "time": 0.0, "class_names": names}
    (directory / "events.jsonl").write_text(json.dumps(started) + "\n{torn")


def test_iou_per_class_is_a_table_with_the_runs_class_names(scenes) -> None:
    # The second run's names are read only when the first run's are unusable (two, not three).
    write_class_names(scenes / "random-s0", ["sky", "road"])
    write_class_names(scenes / "random-s1", ["sky", "road", "bag\x1b[31m"])
    markdown = runner.invoke(app, ["report", str(scenes), "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.output
    lines = markdown.stdout.splitlines()
    title = lines.index(
        "IoU per class at the last cycle (mean over seeds; -: the class is in no test mask and "
        "never predicted):"
    )
    assert lines[title + 2 : title + 7] == [
        "| dataset | oracle | strategy | class | name | IoU |",
        "|---|---|---|---|---|---|",
        "| fashion-scenes | segment-flip:0.2 | random | 0 | sky | 0.8500 |",
        "| fashion-scenes | segment-flip:0.2 | random | 1 | road | 0.2000 |",
        # The name's ESC escaped for the terminal, then its backslash for Markdown.
        "| fashion-scenes | segment-flip:0.2 | random | 2 | bag\\\\x1b[31m | - |",
    ]
    assert len(lines) == title + 7  # entropy recorded no IoU per class: no rows
    value = json.loads(runner.invoke(app, ["report", str(scenes), "--format", "json"]).stdout)
    assert value["groups"][1]["class_names"] == ["sky", "road", "bag\x1b[31m"]


def test_iou_per_class_without_class_names_shows_the_class_numbers(scenes) -> None:
    markdown = runner.invoke(app, ["report", str(scenes), "--format", "markdown"]).stdout
    assert "| fashion-scenes | segment-flip:0.2 | random | 1 |  | 0.2000 |" in markdown


def test_headers_name_the_metric(scenes) -> None:
    markdown = runner.invoke(
        app, ["report", str(scenes), "--baseline", "random", "--format", "markdown"]
    ).stdout
    lines = markdown.splitlines()
    assert "Runs by configuration, test mIoU (mean ± std over seeds, std n - 1):" in lines
    assert "| dataset | oracle | strategy | runs | final mIoU | AUBC | noise |" in lines
    assert (
        "| fashion-scenes | segment-flip:0.2 | random | 2 | 0.6000 ± 0.1414 | 0.4250 ± 0.0707 "
        "| 0.000 |" in lines
    )
    assert "| dataset | oracle | strategy | cycle | labeled | mIoU | s.e. |" in lines
    assert "| dataset | oracle | strategy | pairs | Δ final mIoU | Δ AUBC |" in lines
    assert (
        "| fashion-scenes | segment-flip:0.2 | entropy | 2 | +0.1500 ± 0.6353 | "
        "+0.1250 ± 0.3177 |" in lines
    )
    assert any(line.startswith("Test mIoU minus random's per cycle") for line in lines)
    result = runner.invoke(app, ["report", str(scenes), "--format", "csv", "--baseline", "random"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert float(rows[5]["miou_mean"]) == pytest.approx(0.6)
    assert float(rows[5]["final_miou_mean"]) == pytest.approx(0.6)
    assert float(rows[2]["miou_diff_mean"]) == pytest.approx(0.15)
    assert "accuracy_mean" not in rows[0]
    per_run = runner.invoke(
        app, ["report", str(scenes), "--format", "csv", "--per-run", "--baseline", "random"]
    )
    first = next(csv.DictReader(io.StringIO(per_run.stdout)))
    assert first["run"].endswith("entropy-s0") and float(first["test_miou_diff"]) == (
        pytest.approx(0.1)
    )


def test_both_tasks_under_auto_are_refused_in_one_line(scenes) -> None:
    write_run(scenes, "mnist", "random", "perfect", 0, [0.5, 0.6, 0.7])
    result = runner.invoke(app, ["report", str(scenes)])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: runs of both tasks here (classification and segmentation): --metric must be "
        "given (accuracy for classification runs; miou or pixel-accuracy for segmentation)\n"
    )
    chosen = runner.invoke(app, ["report", str(scenes), "--metric", "accuracy"])
    assert chosen.exit_code == 0, chosen.output
    assert (
        f"skipped {scenes / 'entropy-s0'}: a segmentation run has no test accuracy "
        "(its metric: --metric miou)" in chosen.stderr.splitlines()
    )
    only_mnist = runner.invoke(app, ["report", str(scenes / "mnist"), "--metric", "miou"])
    assert only_mnist.exit_code == 2
    assert only_mnist.stderr.splitlines()[-1] == (
        f"error: no finished runs in {scenes / 'mnist'} with a test mIoU"
    )


@pytest.mark.parametrize(
    "hostile",
    [float("nan"), "0.5", None, 1.5, -0.1, True, [0.5], {"mean": 0.5}, float("inf")],
)
def test_a_run_with_a_bad_miou_is_skipped_with_the_reason(scenes, hostile) -> None:
    write_segmentation_run(scenes, "hostile", "random", "segment-flip:0.2", 2, [0.3, hostile, 0.5])
    groups, skipped = report(scenes, "miou")
    assert [(path.name, reason) for path, reason in skipped] == [
        ("hostile", "a cycle of summary.json lacks a test mIoU in [0, 1]")
    ]
    assert [group.runs for group in groups] == [2, 2]


def test_a_missing_miou_key_is_skipped_and_auto_still_sees_segmentation(scenes) -> None:
    directory = write_segmentation_run(scenes, "no-miou", "random", "perfect", 0, [0.3, 0.4, 0.5])
    summary = json.loads((directory / "summary.json").read_text())
    del summary["cycles"][1]["test_miou"]
    (directory / "summary.json").write_text(json.dumps(summary))
    groups, skipped = report(scenes)
    assert skipped == [(directory, "a cycle of summary.json lacks a test mIoU in [0, 1]")]
    assert len(groups) == 2


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ("0.9,0.2", [0.8, None, None]),  # not a list: only the other run's values count
        ([0.9, "x", float("nan")], [0.85, None, None]),  # bad entries count as no IoU
        ([0.9, 0.2], None),  # lengths differ between the runs: nothing to average
    ],
)
def test_hostile_iou_per_class(tmp_path, listed, expected) -> None:
    flip = "segment-flip:0.2"
    write_segmentation_run(tmp_path, "a", "random", flip, 0, [0.2, 0.4, 0.5], iou_last=listed)
    write_segmentation_run(
        tmp_path, "b", "random", flip, 1, [0.2, 0.4, 0.5], iou_last=[0.8, None, None]
    )
    (group,) = report(tmp_path)[0]
    assert group.iou_per_class == (None if expected is None else pytest.approx(expected))


def test_a_run_task_comes_from_its_records() -> None:
    assert task_of([{"test_accuracy": 0.5}]) == "classification"
    assert task_of(["junk", {"test_pixel_accuracy": 0.5}]) == "segmentation"
    assert choose_metric("auto", []).name == "accuracy"
    with pytest.raises(ValueError, match="--metric 'map': choose one of"):
        choose_metric("map", ["segmentation"])


def test_plot_axes_name_the_metric(scenes, tmp_path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    from palsim.report.paired import compare
    from palsim.report.plot import import_pyplot, plot_report

    plt = import_pyplot()
    figures: list = []
    monkeypatch.setattr(plt, "close", figures.append)  # keep the figure to read its axes
    for seed in (0, 1):  # a second flip rate, so that random has a robustness line
        write_segmentation_run(scenes, f"random-flip4-s{seed}", "random", "segment-flip:0.4",
                               seed, [0.2, 0.3, 0.4])  # fmt: skip
    groups, _ = report(scenes)
    path = tmp_path / "miou.png"
    plot_report(groups, path, "aubc", compare(groups, "random"))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = [axis.get_ylabel() for axis in figures[0].axes if axis.get_visible()]
    assert labels == [
        "test mIoU",
        "test mIoU",
        "AUBC of test mIoU (normalised)",
        "Δ test mIoU vs random",
        "Δ test mIoU vs random",
    ]

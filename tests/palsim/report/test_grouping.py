"""Reports group by the whole configuration except the seeds and never average unlike runs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.report.aggregate import report, settings_text
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()


def test_a_run_with_other_epochs_in_a_subfolder_is_reported_apart(tmp_path) -> None:
    write_run(tmp_path, "a", "random", "noisy:0.2", 0, [0.5, 0.6, 0.7])
    write_run(tmp_path, "b", "random", "noisy:0.2", 1, [0.5, 0.6, 0.9])
    write_run(tmp_path / "longer", "a", "random", "noisy:0.2", 0, [0.1, 0.2, 0.3], epochs=30)
    groups, skipped = report(tmp_path)
    assert skipped == []
    assert [(group.seeds, group.settings) for group in groups] == [
        ([0, 1], {"epochs": 15}),
        ([0], {"epochs": 30}),
    ]
    assert groups[0].final.mean == pytest.approx(0.8)
    assert groups[1].final.mean == pytest.approx(0.3)
    result = runner.invoke(app, ["report", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "note: runs differ in epochs; each setting is reported apart\n" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["settings"], row["runs"]) for row in rows if row["cycle"] == "2"] == [
        ("epochs=15", "2"),
        ("epochs=30", "1"),
    ]


def test_keys_that_never_change_results_do_not_split_groups(tmp_path) -> None:
    write_run(tmp_path, "a", "pal", "perfect", 0, [0.5, 0.6, 0.7], device="cpu")
    write_run(
        tmp_path,
        "b",
        "pal",
        "perfect",
        1,
        [0.5, 0.6, 0.9],
        device="cuda",
        data_dir="/data",
        eval_batch_size=4096,
        out="elsewhere",
        noise_seed=7,
    )
    groups, _ = report(tmp_path)
    assert len(groups) == 1 and groups[0].runs == 2 and groups[0].settings == {}


def test_settings_name_every_key_that_differs_and_strategy_options(tmp_path) -> None:
    write_run(tmp_path, "a", "pal", "perfect", 0, [0.5, 0.6, 0.7])
    write_run(
        tmp_path,
        "b",
        "pal",
        "perfect",
        0,
        [0.5, 0.6, 0.7],
        model="resnet18",
        strategy_options={"lambda_div": "0.5"},
    )
    groups, _ = report(tmp_path)
    assert [settings_text(group.settings) for group in groups] == [
        "model=-, no -S",
        "model=resnet18, -S lambda_div=0.5",
    ]


def test_a_copied_run_does_not_count_as_another_seed(tmp_path) -> None:
    write_run(tmp_path, "a", "pal", "perfect", 0, [0.5, 0.6, 0.7])
    write_run(tmp_path, "copy-of-a", "pal", "perfect", 0, [0.5, 0.6, 0.7])
    groups, skipped = report(tmp_path)
    assert groups[0].runs == 1
    assert [(path.name, reason) for path, reason in skipped] == [
        ("copy-of-a", f"same configuration and seeds as {tmp_path / 'a'} (a copy?)")
    ]


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        (
            '{"status": "finished", "config": [], "cycles": []}',
            "summary.json's config lacks the dataset, oracle or strategy",
        ),
        (
            '{"status": "finished", '
            '"config": {"dataset": "d", "oracle": "perfect", "strategy": 3}}',
            "summary.json's config lacks the dataset, oracle or strategy",
        ),
        (
            '{"status": "finished", "config": {"dataset": "d", "oracle": "o", "strategy": "s"},'
            ' "cycles": [{"labeled": 10, "test_accuracy": "high"}]}',
            "a cycle of summary.json lacks a test accuracy in [0, 1]",
        ),
        (
            '{"status": "finished", "config": {"dataset": "d", "oracle": "o", "strategy": "s"},'
            ' "cycles": [{"labeled": true, "test_accuracy": 0.5}]}',
            "a cycle of summary.json lacks a positive labeled count",
        ),
    ],
)
def test_a_malformed_summary_is_skipped_with_one_line(tmp_path, summary, reason) -> None:
    write_run(tmp_path, "good", "pal", "perfect", 0, [0.5, 0.6, 0.7])
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "summary.json").write_text(summary)
    result = runner.invoke(app, ["report", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"skipped {tmp_path / 'bad'}: {reason}\n"


def test_auto_precision_groups_by_what_each_run_computed_in(tmp_path) -> None:
    # Three runs of one configuration with --precision auto: two logged bf16, one fp32 (another
    # CPU, or palsim before auto meant bf16 there); a fourth with no run_started says nothing.
    for name, seed, computed in (("a", 0, "bf16"), ("b", 1, "bf16"), ("c", 0, "fp32")):
        run = write_run(tmp_path, name, "entropy", "perfect", seed, [0.5, 0.6, 0.7],
                        precision="auto")  # fmt: skip
        started = {"event": "run_started", "time": 0.0, "precision": computed}
        (run / "events.jsonl").write_text(json.dumps(started) + "\n")
    write_run(tmp_path, "d", "entropy", "perfect", 1, [0.5, 0.6, 0.7], precision="auto")
    groups, _ = report(tmp_path)
    assert sorted((settings_text(g.settings), g.runs) for g in groups) == [
        ("precision=auto", 1),
        ("precision=bf16", 2),
        ("precision=fp32", 1),
    ]

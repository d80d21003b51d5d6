"""`palsim report` on hand-written summaries whose statistics are worked out by hand."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.report.aggregate import Spread, aubc, report
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()


@pytest.fixture
def runs(tmp_path) -> Path:
    """Two seeds of random under noisy:0.2, one of pal under noisy:0.2, plus broken runs."""
    root = tmp_path / "runs"
    write_run(root, "random-s0", "random", "noisy:0.2", 0, [0.5, 0.6, 0.7], noisy=60)
    write_run(root, "random-s1", "random", "noisy:0.2", 1, [0.3, 0.4, 0.9], noisy=66)
    write_run(root, "pal-s0", "pal", "noisy:0.2", 0, [0.6, 0.8, 0.8], noisy=57)
    write_run(root, "killed", "pal", "noisy:0.2", 1, [0.6], labeled=(100,), status="running")
    write_run(root, "crashed", "pal", "noisy:0.2", 2, [0.6], labeled=(100,), status="failed")
    (root / "corrupt").mkdir()
    (root / "corrupt" / "summary.json").write_text('{"config": {"dataset": "fash')
    (root / "no-summary").mkdir()
    (root / "no-summary" / "config.json").write_text("{}")
    (root / "no-summary" / "events.jsonl").write_text('{"event": "run_started"}\n{"ev')
    return root


def test_aubc_is_the_normalised_trapezoid() -> None:
    # (0.5 + 0.6) / 2 * 100 + (0.6 + 0.7) / 2 * 100 = 120, over the range 200.
    assert aubc([100, 200, 300], [0.5, 0.6, 0.7]) == pytest.approx(0.6)
    # Uneven steps: (0.2 + 0.4) / 2 * 100 + (0.4 + 1.0) / 2 * 300 = 30 + 210, over 400.
    assert aubc([100, 200, 500], [0.2, 0.4, 1.0]) == pytest.approx(0.6)
    assert aubc([100], [0.42]) == 0.42


def test_spread_uses_the_sample_standard_deviation() -> None:
    spread = Spread.of([0.5, 0.3])
    assert spread.mean == pytest.approx(0.4)
    assert spread.std == pytest.approx(math.sqrt(0.02))  # (0.01 + 0.01) / (2 - 1)
    assert spread.sem == pytest.approx(0.1)  # sqrt(0.02) / sqrt(2)
    assert Spread.of([0.7]).std == 0.0


def test_report_groups_runs_and_skips_broken_ones(runs) -> None:
    groups, skipped = report(runs)
    assert [group.key for group in groups] == [
        ("fashion-mnist", "noisy:0.2", "pal"),
        ("fashion-mnist", "noisy:0.2", "random"),
    ]
    pal, random = groups
    assert random.runs == 2 and random.seeds == [0, 1]
    assert [s.mean for s in random.values] == pytest.approx([0.4, 0.5, 0.8])
    assert [s.std for s in random.values] == pytest.approx([math.sqrt(0.02)] * 3)
    assert [s.sem for s in random.values] == pytest.approx([0.1] * 3)
    # AUBC per seed: 0.6 and ((0.3 + 0.4) * 50 + (0.4 + 0.9) * 50) / 200 = 0.5.
    assert random.aubc.mean == pytest.approx(0.55)
    assert random.aubc.std == pytest.approx(math.sqrt(0.005))
    assert random.final.mean == pytest.approx(0.8)
    assert random.noise_rate == pytest.approx((60 / 300 + 66 / 300) / 2)
    assert pal.runs == 1 and pal.aubc.mean == pytest.approx(0.75) and pal.aubc.std == 0
    reasons = {path.name: reason for path, reason in skipped}
    assert reasons == {
        "corrupt": "summary.json is unreadable or not valid JSON",
        "crashed": "the run failed: no error recorded",
        "killed": "unfinished (status running); finish it with palsim run --resume DIR",
        "no-summary": "no summary.json (the run crashed before writing one)",
    }


def test_runs_with_other_budgets_are_not_averaged_in(tmp_path) -> None:
    write_run(tmp_path, "a", "random", "perfect", 0, [0.5, 0.6, 0.7])
    write_run(tmp_path, "b", "random", "perfect", 1, [0.5, 0.6, 0.9])
    write_run(tmp_path, "c", "random", "perfect", 2, [0.1, 0.2, 0.3], labeled=(50, 100, 150))
    groups, skipped = report(tmp_path)
    assert groups[0].runs == 2 and groups[0].final.mean == pytest.approx(0.8)
    assert [(path.name, reason) for path, reason in skipped] == [
        ("c", "labeled counts [50, 100, 150] differ from its group's [100, 200, 300]")
    ]


def test_cli_csv_holds_the_hand_computed_numbers(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 6
    random_last = rows[5]
    assert (random_last["strategy"], random_last["cycle"], random_last["labeled"]) == (
        "random",
        "2",
        "300",
    )
    assert float(random_last["accuracy_mean"]) == pytest.approx(0.8)
    assert float(random_last["accuracy_std"]) == pytest.approx(math.sqrt(0.02))
    assert float(random_last["accuracy_sem"]) == pytest.approx(0.1)
    assert float(random_last["aubc_mean"]) == pytest.approx(0.55)
    assert float(random_last["noise_rate"]) == pytest.approx(0.21)
    lines = result.stderr.splitlines()
    assert f"skipped {runs / 'corrupt'}: summary.json is unreadable or not valid JSON" in lines
    assert (
        f"skipped {runs / 'no-summary'}: no summary.json (the run crashed before writing one)"
        in lines
    )


def test_cli_json_and_markdown(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--format", "json"])
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    random = value["groups"][1]
    assert random["aubc"]["mean"] == pytest.approx(0.55)
    assert [c["mean"] for c in random["cycles"]] == pytest.approx([0.4, 0.5, 0.8])
    assert len(value["skipped"]) == 4
    markdown = runner.invoke(app, ["report", str(runs), "--format", "markdown"]).stdout
    assert (
        "| fashion-mnist | noisy:0.2 | random | 2 | 0.8000 ± 0.1414 | 0.5500 ± 0.0707 | 0.210 |"
        in (markdown.splitlines())
    )
    assert "| fashion-mnist | noisy:0.2 | random | 0 | 100 | 0.4000 ± 0.1414 | 0.1000 |" in (
        markdown.splitlines()
    )


def test_cli_table_and_plot(runs, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "curves.png"
    args = ["report", str(runs), "--plot", str(plot), "--robustness", "aubc"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "0.8000 ± 0.1414" in result.stdout and "0.5500 ± 0.0707" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {plot}" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "error: --format 'xml': choose one of: table, csv, json, markdown\n"),
        (["--robustness", "auc"], "error: --robustness 'auc': choose one of: final, aubc\n"),
        (
            ["--metric", "iou"],
            "error: --metric 'iou': choose one of: auto, accuracy, miou, pixel-accuracy\n",
        ),
        (
            ["--metric", "aubc"],
            "error: --metric 'aubc': the noise-robustness panel's final | aubc is --robustness\n",
        ),
    ],
)
def test_cli_bad_options_exit_2(runs, args, message) -> None:
    result = runner.invoke(app, ["report", str(runs), *args])
    assert result.exit_code == 2 and result.stderr == message


def test_cli_without_finished_runs_exits_2(tmp_path) -> None:
    write_run(tmp_path, "killed", "pal", "perfect", 0, [0.6], labeled=(100,), status="interrupted")
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"error: no finished runs in {tmp_path}"
    missing = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert missing.stderr == f"error: {tmp_path / 'nope'} is not a directory of runs\n"

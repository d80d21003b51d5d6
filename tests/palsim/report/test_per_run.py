"""`palsim report --format csv --per-run`: one row per run and cycle, at stored precision."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from palsim.cli import app
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()


def test_one_row_per_run_and_cycle_with_the_record_fields_as_stored(tmp_path) -> None:
    write_run(tmp_path, "random-s0", "random", "noisy:0.2", 0, [0.5, 0.6, 0.2925])
    pal = write_run(tmp_path, "pal-s0", "pal", "noisy:0.2", 0, [0.52, 0.65, 0.72])
    summary = json.loads((pal / "summary.json").read_text())
    summary["cycles"][0]["scorer"] = {"rotation_accuracy": 0.8, "per_class": [0.7, 0.9]}
    summary["cycles"][0]["train_loss"] = 0.125  # a diagnostic: a column of its own
    (pal / "summary.json").write_text(json.dumps(summary))
    result = runner.invoke(
        app, ["report", str(tmp_path), "--format", "csv", "--per-run", "--baseline", "random"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "run,dataset,oracle,strategy,settings,seed,noise_seed,cycle,labeled,test_accuracy,"
        "noisy_labels,noise_rate,scorer.rotation_accuracy,train_loss,baseline,test_accuracy_diff"
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 6
    assert [row["test_accuracy"] for row in rows if row["strategy"] == "random"] == [
        "0.5",
        "0.6",
        "0.2925",
    ]
    first_pal = rows[0]
    assert (first_pal["run"], first_pal["seed"], first_pal["train_loss"]) == (
        str(pal),
        "0",
        "0.125",
    )
    assert first_pal["scorer.rotation_accuracy"] == "0.8"
    assert first_pal["test_accuracy_diff"] == repr(0.52 - 0.5)
    assert rows[1]["train_loss"] == "" and rows[3]["test_accuracy_diff"] == ""


def test_per_run_needs_csv(tmp_path) -> None:
    write_run(tmp_path, "a", "random", "perfect", 0, [0.5, 0.6, 0.7])
    result = runner.invoke(app, ["report", str(tmp_path), "--per-run"])
    assert result.exit_code == 2
    assert result.stderr == "error: --per-run applies to --format csv only\n"


def test_text_from_run_folders_never_becomes_a_spreadsheet_formula(tmp_path) -> None:
    # A copied run folder may name its strategy like a formula; CSV cells keep it as text.
    write_run(tmp_path, "f", '=HYPERLINK("http://x","y")', "noisy:0.2", 0, [0.5, 0.6, 0.7])
    write_run(tmp_path, "g", "@SUM(A1)", "-1+2", 0, [0.5, 0.6, 0.7])
    for extra in ([], ["--per-run"]):
        result = CliRunner().invoke(app, ["report", str(tmp_path), "--format", "csv", *extra])
        assert result.exit_code == 0, result.output
        cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
        assert '\'=HYPERLINK("http://x","y")' in cells
        assert "'@SUM(A1)" in cells and "'-1+2" in cells
        assert not [cell for cell in cells if cell[:1] in ("=", "@", "+")]

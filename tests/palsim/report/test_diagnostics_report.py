"""``palsim report --diagnostics``: per-cycle means of what each network learned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.report.aggregate import report
from palsim.report.diagnostics import group_diagnostics
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()


def with_diagnostics(directory: Path, per_cycle: list[dict], warnings: list[list]) -> None:
    path = directory / "summary.json"
    summary = json.loads(path.read_text())
    for record, diagnostics, listed in zip(summary["cycles"], per_cycle, warnings, strict=True):
        record["diagnostics"] = diagnostics
        record["warnings"] = listed
    path.write_text(json.dumps(summary))


@pytest.fixture
def runs(tmp_path) -> Path:
    first = write_run(tmp_path, "pal-s0", "pal", "noisy:0.2", 0, [0.5, 0.6], labeled=(100, 200))
    second = write_run(tmp_path, "pal-s1", "pal", "noisy:0.2", 1, [0.5, 0.7], labeled=(100, 200))
    with_diagnostics(
        first,
        [{"train_accuracy": 0.9, "pal_rotation_accuracy_pool": 0.8, "by_class": [0.1]}, {}],
        [["scorer near chance"], []],
    )
    with_diagnostics(
        second,
        # Hostile values from a copied folder: text, a boolean, infinity are left out.
        [{"train_accuracy": 0.7, "pal_rotation_accuracy_pool": "high", "flag": True}, {}],
        [[], "not a list"],
    )
    path = second / "summary.json"
    path.write_text(path.read_text().replace('"flag": true', '"inf": Infinity'))
    return tmp_path


def test_means_over_the_runs_that_recorded_each_value(runs) -> None:
    groups, skipped = report(runs)
    assert skipped == []
    first, last = group_diagnostics(groups[0])
    assert first.values["train_accuracy"].mean == pytest.approx(0.8)
    assert first.values["train_accuracy"].std == pytest.approx(0.1414213562)
    assert first.runs == {"train_accuracy": 2, "pal_rotation_accuracy_pool": 1}
    assert first.values["pal_rotation_accuracy_pool"].mean == pytest.approx(0.8)
    assert first.warnings == 1
    assert (last.values, last.warnings) == ({}, 0)


def test_cli_table_json_and_markdown(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--diagnostics"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Diagnostics per cycle" in result.output
    assert "train_accuracy" in result.output and "0.8000 ± 0.1414" in result.output
    result = runner.invoke(app, ["report", str(runs), "--diagnostics", "--format", "json"])
    group = json.loads(result.stdout)["groups"][0]
    assert group["diagnostics"][0]["values"]["train_accuracy"]["mean"] == pytest.approx(0.8)
    assert group["diagnostics"][0]["warnings"] == 1
    plain = runner.invoke(app, ["report", str(runs), "--format", "json"])
    assert "diagnostics" not in json.loads(plain.stdout)["groups"][0]
    result = runner.invoke(app, ["report", str(runs), "--diagnostics", "--format", "markdown"])
    assert "| pal_rotation_accuracy_pool | 0.8000 ± 0.0000 | 1 |" in result.stdout


def test_cli_refuses_diagnostics_as_csv(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--diagnostics", "--format", "csv"])
    assert result.exit_code == 2
    assert "--diagnostics applies to table, json and markdown" in result.output

"""`palsim run --strategy learning-loss` end to end: both task models, the same picks for the
same seed, the module's diagnostics in the summary, and a bad option as a usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import EventName, read_events
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()


def run(tmp_path: Path, name: str, *extra: str, **overrides: object) -> dict[str, Any]:
    study: dict[str, object] = {"strategy": "learning-loss", "cycles": 2, "epochs": 1}
    study.update(overrides)
    args = ["run", *tiny_study_args(tmp_path, name, **study), *extra, "--quiet", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def picks(directory: Path) -> list[list[int]]:
    events = read_events(directory)
    return [event["indices"] for event in events if event["event"] == EventName.QUERY]


@requires_fashion_mnist
def test_same_seed_same_picks_and_diagnostics(tmp_path) -> None:
    first = run(tmp_path, "a", "-S", "subset=300")
    second = run(tmp_path, "b", "-S", "subset=300")
    assert picks(tmp_path / "a") == picks(tmp_path / "b")
    assert len(set(picks(tmp_path / "a")[0])) == 60
    diagnostics = first["cycles"][0]["diagnostics"]
    assert diagnostics["ll_ranked"] == 300
    assert 0.0 <= diagnostics["ll_ranking_accuracy"] <= 1.0
    assert diagnostics == second["cycles"][0]["diagnostics"]
    # Another strategy seed draws another subset to rank, so other picks.
    run(tmp_path, "c", "-S", "subset=300", seed=1)
    assert picks(tmp_path / "c") != picks(tmp_path / "a")


@requires_fashion_mnist
def test_resnet18_task_model_on_a_tiny_pool(tmp_path) -> None:
    summary = run(
        tmp_path, "resnet", model="resnet18", pool_size=120, initial=20, budget=20, test_size=50
    )
    assert [cycle["labeled"] for cycle in summary["cycles"]] == [20, 40]
    assert summary["cycles"][0]["diagnostics"]["ll_ranked"] == 100


@requires_fashion_mnist
@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("detach_fraction=2", "error: strategy option detach_fraction=2.0: must be in [0, 1]\n"),
        ("margin=-1", "error: strategy option margin='-1': must be a finite number, at least 0\n"),
    ],
)
def test_bad_option_is_one_line_with_exit_2(tmp_path, option, message) -> None:
    args = tiny_study_args(tmp_path, "bad", strategy="learning-loss")
    result = runner.invoke(app, ["run", *args, "-S", option])
    assert result.exit_code == 2
    assert result.stderr == message
    assert not (tmp_path / "bad").exists()


def test_list_strategies_describes_it() -> None:
    result = runner.invoke(app, ["list", "strategies"])
    assert result.exit_code == 0
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("learning-loss ")]
    assert line.split(None, 1)[1] == (
        "LL4AL: highest loss predicted by a module trained with the task model"
    )

"""Every registered strategy runs end to end through `palsim run` on tiny settings."""

import json

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import EventName, read_events
from palsim.strategies import load_all
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()


@requires_fashion_mnist
@pytest.mark.parametrize("name", load_all().names())
def test_every_registered_strategy_runs_a_tiny_study(tmp_path, name) -> None:
    args = [
        "run",
        *tiny_study_args(
            tmp_path,
            "run",
            strategy=name,
            pool_size=400,
            initial=60,
            budget=40,
            cycles=2,
            epochs=1,
            test_size=200,
        ),
        "--quiet",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished"
    assert [cycle["labeled"] for cycle in summary["cycles"]] == [60, 100]
    events = read_events(tmp_path / "run")
    (query,) = [event for event in events if event["event"] == EventName.QUERY]
    assert len(set(query["indices"])) == 40

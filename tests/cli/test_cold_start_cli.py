"""`--initial-strategy` and the cold-start strategies through `palsim run` and `palsim list`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import EventName, read_events
from palsim.loop import choose_pool
from palsim.seeds import numpy_rng
from palsim.strategies import load_all
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()


def test_list_strategies_gives_every_strategy_a_description_and_a_reference() -> None:
    result = runner.invoke(app, ["list", "strategies"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    registry = load_all()
    assert len(lines) == 2 * len(registry.names())
    for name, first, second in zip(registry.names(), lines[::2], lines[1::2], strict=True):
        assert first.split()[0] == name
        assert len(first.split()) > 1  # a description follows the name
        assert second.lstrip().startswith("reference: ")
        reference = second.split("reference: ", 1)[1]
        assert reference == registry.get(name).reference and reference
        assert "arXiv" not in reference or reference.split("arXiv ")[1] in (
            registry.get(name).__doc__ or ""
        )  # the short reference agrees with the docstring's References line
    assert "typiclust" in registry.names() and "probcover" in registry.names()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "entropy",
            "error: --initial-strategy entropy: needs labels or a trained task model; "
            "choose one of: random, probcover, typiclust\n",
        ),
        (
            "kmeans",
            "error: unknown --initial-strategy 'kmeans'; "
            "choose one of: random, probcover, typiclust\n",
        ),
        ("", "error: --initial-strategy must not be empty\n"),
    ],
)
def test_a_bad_initial_strategy_exits_2_with_one_line_and_no_folder(
    tmp_path, value, message
) -> None:
    args = ["run", *tiny_study_args(tmp_path / "runs", "bad"), "--initial-strategy", value]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert not (tmp_path / "runs").exists()


@requires_fashion_mnist
def test_typiclust_draws_the_initial_set_and_probcover_queries(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PALSIM_CACHE", str(tmp_path / "cache"))  # the embedding is trained here
    args = tiny_study_args(
        tmp_path,
        "cold",
        strategy="probcover",
        initial_strategy="typiclust",
        cycles=2,
        pool_size=400,
        initial=40,
        budget=30,
        epochs=1,
        test_size=200,
    )
    result = runner.invoke(app, ["run", *args, "--json"])
    assert result.exit_code == 0, result.output
    # The draw's progress is shown before the run's first line, and not logged.
    lines = [line for line in result.stderr.splitlines() if not line.startswith("no GPU")]
    assert lines[0].startswith("initial set: embedding, "), result.stderr
    assert any(line.startswith("initial set: embedding epoch 1/") for line in lines)
    assert lines.index(next(line for line in lines if line.startswith("run cold: "))) > 1
    summary = json.loads(result.stdout)
    assert [cycle["labeled"] for cycle in summary["cycles"]] == [40, 70]
    config = json.loads((tmp_path / "cold" / "config.json").read_text())
    assert config["initial_strategy"] == "typiclust"
    events = read_events(tmp_path / "cold")
    started = next(e for e in events if e["event"] == EventName.RUN_STARTED)
    initial = started["initial"]["indices"]
    assert len(set(initial)) == 40
    # Not the seeded uniform draw of the default (--initial-strategy random).
    pool = choose_pool(60_000, 400, seed=0)
    uniform = np.sort(numpy_rng(0, 0, "initial").choice(400, size=40, replace=False))
    assert sorted(initial) != pool[uniform].tolist()
    (query,) = [e for e in events if e["event"] == EventName.QUERY]
    assert len(set(query["indices"]) | set(initial)) == 70
    record = summary["cycles"][0]["diagnostics"]
    assert 0 < record["probcover_delta"] <= 2  # rows of norm 1 lie within 2 of each other
    assert record["probcover_purity"] >= 0.95
    assert 0 <= record["embedding_rotation_accuracy"] <= 1
    # The initial draw's own diagnostics: in the run_started event and in cycle 0's record.
    drawn = started["initial"]["diagnostics"]
    assert drawn["typiclust_clusters"] == 40  # one cluster per initial sample
    assert record["initial_typiclust_clusters"] == 40
    assert record["initial_embedding_rotation_accuracy"] == drawn["embedding_rotation_accuracy"]
    assert "initial_embedding_rotation_accuracy" not in summary["cycles"][1]["diagnostics"]
    assert events[0]["event"] == EventName.RUN_STARTED
    assert all(e.get("cycle") != -1 for e in events)

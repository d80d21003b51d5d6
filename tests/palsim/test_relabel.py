"""Asking again (--relabel): the policies, the budget split, and a tiny study."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import read_events
from palsim.relabel import RelabelContext, contradiction_score, random_policy, reask_count
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()


def test_contradiction_is_the_strongest_other_class() -> None:
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.4, 0.6, 0.0]])
    served = np.array([0, 0, 1])
    assert np.allclose(contradiction_score(probabilities, served), [0.2, 0.8, 0.4])


def test_random_policy_draws_distinct_candidates_from_its_generator() -> None:
    def context(seed: int) -> RelabelContext:
        candidates = np.arange(10, 30)
        return RelabelContext(
            candidates,
            torch.zeros(20, 1, 2, 2, dtype=torch.uint8),
            np.zeros(20, dtype=np.int64),
            torch.nn.Identity(),
            8,
            np.random.default_rng(seed),
        )

    chosen = random_policy(context(0), 5)
    assert len(set(chosen.tolist())) == 5 and set(chosen) <= set(range(10, 30))
    assert np.array_equal(random_policy(context(0), 5), chosen)
    assert len(random_policy(context(0), 50)) == 20  # never more than there are


@pytest.mark.parametrize(
    ("policy", "share", "budget", "count"),
    [("none", 0.5, 60, 0), ("disagree", 0.2, 60, 12), ("random", 0.25, 10, 2)],
)
def test_reask_count_is_the_share_of_the_budget(policy, share, budget, count) -> None:
    assert reask_count(policy, share, budget) == count


@pytest.mark.parametrize(
    ("policy", "share", "message"),
    [
        ("sometimes", 0.2, "unknown relabel policy 'sometimes'; choose one of: none, random"),
        ("random", 1.0, "--relabel-share 1.0 must lie in [0, 1)"),
        ("random", 0.001, "re-asks no sample of a budget of 60; raise the share"),
    ],
)
def test_bad_relabel_settings_are_errors(policy: str, share: float, message: str) -> None:
    with pytest.raises(ValueError) as error:
        reask_count(policy, share, 60)
    assert message in str(error.value)


@requires_fashion_mnist
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--oracle", "noisy:0.2", "--relabel", "disagree", "--relabel-share", "0.2"],
            "error: --relabel disagree needs an oracle with several annotators (for example "
            "annotators:3:0.3); 'noisy:0.2' has one, whose answer is fixed\n",
        ),
        (
            ["--oracle", "annotators:3:0.3", "--relabel", "often", "--relabel-share", "0.2"],
            "error: unknown relabel policy 'often'; choose one of: none, random, disagree\n",
        ),
    ],
)
def test_run_refuses_bad_relabel_settings_in_one_line(tmp_path, extra, message) -> None:
    result = runner.invoke(app, ["run", *tiny_study_args(tmp_path, "bad"), *extra, "--quiet"])
    assert result.exit_code == 2
    assert result.stderr == message
    assert not (tmp_path / "bad").exists()


def study(out: Path, name: str, policy: str) -> dict:
    args = tiny_study_args(
        out, name, oracle="annotators:3:0.3", relabel=policy, relabel_share=0.2, epochs=8, cycles=4
    )
    result = runner.invoke(app, ["run", *args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@requires_fashion_mnist
def test_reasking_disagreements_ends_with_fewer_wrong_labels_at_the_same_cost(tmp_path) -> None:
    plain, reasked = study(tmp_path, "none", "none"), study(tmp_path, "disagree", "disagree")
    assert plain["cycles"][-1]["total_label_cost"] == reasked["cycles"][-1]["total_label_cost"]
    assert reasked["cycles"][-1]["noisy_labels"] < plain["cycles"][-1]["noisy_labels"]
    assert "reasked" not in plain["cycles"][0]
    for record in reasked["cycles"][:-1]:
        assert record["reasked"] == 12 and record["queried"] == 48
        assert record["label_cost"] == 60
        assert 0 <= record["reask_changed"] <= 12
        assert record["served_noise_before"] == record["noise_rate"]
    # The next cycle trains on the re-asked labels plus the new answers.
    for record, following in zip(reasked["cycles"], reasked["cycles"][1:], strict=False):
        noisy_after = round(record["served_noise_after"] * record["labeled"])
        assert following["noisy_labels"] == noisy_after + record["query_noisy"]
    # Every answer is logged, the re-asks' included, and re-asked items changed annotator.
    directory = tmp_path / "disagree"
    rows = (directory / "annotations.csv").read_text().splitlines()
    assert len(rows) == 1 + 60 + 3 * 60
    assert all(row.split(",")[3] != "" for row in rows[1:])  # re-asks carry their true label
    queries = [e for e in read_events(directory) if e["event"] == "query"]
    relabel = queries[0]["relabel"]
    assert len(relabel["indices"]) == 12 and all("+" in who for who in relabel["annotators"])
    changed = sum(
        a != b for a, b in zip(relabel["labels_before"], relabel["labels_after"], strict=True)
    )
    assert changed == reasked["cycles"][0]["reask_changed"]

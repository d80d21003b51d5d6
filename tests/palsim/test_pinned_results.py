"""Pinned results of two tiny fixed-seed studies: a refactoring must not change a number.

When a change is meant to alter results (a new training schedule, say), update the pins in
the same commit and say why in its message.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from tests.conftest import requires_fashion_mnist, tiny_study_args

PINNED = {
    ("entropy", "perfect"): ([0.344, 0.4, 0.41], [0, 0, 0]),
    ("pal", "noisy:0.2"): ([0.268, 0.362, 0.384], [8, 20, 36]),
}


@requires_fashion_mnist
@pytest.mark.parametrize(("strategy", "oracle"), list(PINNED))
def test_tiny_study_gives_the_pinned_accuracies(tmp_path, strategy: str, oracle: str) -> None:
    # A floor of 20 steps (2 epochs would be 2 steps on 60 labels): the step schedule, the
    # PAL scorer's and its fine-tuning's floors (capped by the run's) are all exercised.
    # fp32 explicitly: auto computes in bf16 on a CPU with native bf16, fp32 on others.
    args = tiny_study_args(
        tmp_path, "pinned", strategy=strategy, oracle=oracle, min_steps=20, precision="fp32"
    )
    result = CliRunner().invoke(app, ["run", *args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    cycles = json.loads(result.stdout)["cycles"]
    accuracies, noisy = PINNED[(strategy, oracle)]
    assert [round(cycle["test_accuracy"], 4) for cycle in cycles] == accuracies
    assert [cycle["noisy_labels"] for cycle in cycles] == noisy

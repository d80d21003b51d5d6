"""PAL's ``ssl_data=pool``: the rotation loss also trains on unlabeled pool images, the class
head only ever reads the labeled ones; end to end through the CLI."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from palsim.strategies.pal import PalStrategy
from palsim.strategies.pal_scorer import ScorerTraining, build_scorer, train_scorer
from tests.conftest import requires_fashion_mnist, tiny_study_args
from tests.palsim.strategies.test_pal import TINY, make_context

TRAINING = ScorerTraining(
    epochs=1,
    min_steps=2,
    batch_size=3,
    learning_rate=0.05,
    finetune_epochs=1,
    finetune_steps=0,
    finetune_lr_scale=0.1,
    augment=False,
)


def watched_training(with_pool: bool) -> list[dict[str, torch.Tensor]]:
    """Train a tiny scorer on 6 black labeled images (the pool's other 14 are white) and
    record, per step, the scorer's input, the backbone's output and each head's input."""
    images = torch.zeros(20, 1, 28, 28, dtype=torch.uint8)
    images[6:] = 255
    torch.manual_seed(0)
    scorer = build_scorer("small-cnn", 1, 3, [0.5], [0.25], width=4)
    steps: list[dict[str, torch.Tensor]] = []

    def record(name: str, tensor: torch.Tensor) -> None:
        if not steps or name in steps[-1]:
            steps.append({})
        steps[-1][name] = tensor.detach().clone()

    scorer.normalize.register_forward_pre_hook(lambda m, args: record("input", args[0]))
    scorer.backbone.register_forward_hook(lambda m, args, out: record("features", out))
    scorer.class_head.register_forward_pre_hook(lambda m, args: record("class", args[0]))
    scorer.rotation_head.register_forward_pre_hook(lambda m, args: record("rotation", args[0]))
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    train_scorer(
        scorer,
        images,
        torch.arange(6),
        labels,
        TRAINING,
        torch.Generator().manual_seed(0),
        unlabeled=torch.arange(6, 20) if with_pool else None,
    )
    return steps


def test_pool_images_reach_the_rotation_head_but_never_the_class_head() -> None:
    steps = watched_training(with_pool=True)
    assert len(steps) == 2
    for step in steps:
        inputs = step["input"].view(4, 6, 1, 28, 28)  # rotation-major: 3 labeled, then 3 pool
        assert int(inputs[:, :3].max()) == 0  # the labeled (black) images
        assert int(inputs[:, 3:].min()) == 255  # an equally sized batch of pool (white) images
        assert len(step["rotation"]) == 24  # all 4 rotations of both halves
        torch.testing.assert_close(step["class"], step["features"][:3])  # labeled, upright


def test_without_pool_ssl_the_scorer_sees_the_labeled_batch_alone() -> None:
    steps = watched_training(with_pool=False)
    assert [len(step["input"]) for step in steps] == [12, 12]
    assert all(int(step["input"].max()) == 0 for step in steps)
    assert all(len(step["class"]) == 3 for step in steps)


def test_ssl_data_option() -> None:
    assert PalStrategy().options.ssl_data == "labeled"  # the paper
    with pytest.raises(ValueError, match="unknown PAL ssl_data 'all'; choose one of: labeled, poo"):
        PalStrategy({"ssl_data": "all"})
    selection = PalStrategy({**TINY, "ssl_data": "pool", "subquery_size": "5"}).select(
        make_context(), 10
    )
    assert len(set(selection.indices.tolist())) == 10


@requires_fashion_mnist
def test_palsim_run_with_pool_ssl_through_the_cli(tmp_path) -> None:
    from palsim.cli import app

    arguments = tiny_study_args(
        tmp_path, "pool", strategy="pal", pool_size=400, initial=60, budget=40, cycles=2, epochs=1
    )
    options = ["-S", "epochs=1", "-S", "ssl_data=pool", "-S", "min_steps=10"]
    result = CliRunner().invoke(app, ["run", *arguments, *options, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["config"]["strategy_options"]["ssl_data"] == "pool"
    assert [cycle["labeled"] for cycle in summary["cycles"]] == [60, 100]
    assert 0.0 <= summary["cycles"][0]["diagnostics"]["pal_rotation_accuracy_pool"] <= 1.0

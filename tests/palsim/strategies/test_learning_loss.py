"""Learning Loss: the ranking loss and ranking accuracy on hand-made values, the joint-training
hook (gradient into the backbone stops at the detach point), and ``select``'s ranking."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from palsim.auxiliary import AuxiliaryObjective, capture_outputs
from palsim.models import ResNet18, SmallCNN, TaskModel, feature_stages
from palsim.strategies.learning_loss import LearningLossStrategy
from palsim.strategies.loss_prediction import (
    LossPredictionObjective,
    ranking_accuracy,
    ranking_loss,
)
from palsim.train import TrainSettings, precision, train_classifier
from tests.palsim.strategies.contexts import tiny_context


@pytest.mark.parametrize(
    ("predicted", "target", "margin", "expected"),
    [
        # Pairs (0, 2) and (1, 3). Pair 1: l0 < l2, p0 - p2 = -0.5 -> 1 - 0.5 = 0.5.
        # Pair 2: a tie in l counts as l1 < l3 (sign -1), p1 - p3 = 2 -> 1 + 2 = 3. Mean 1.75.
        ([0.5, 2.0, 1.0, 0.0], [1.0, 0.2, 3.0, 0.2], 1.0, 1.75),
        # The halves swapped: pair 1 is now l0 > l2 with p0 - p2 = 0.5 -> 0.5; pair 2 a tie
        # with p1 - p3 = -2 -> max(0, 1 - 2) = 0. Mean 0.25.
        ([1.0, 0.0, 0.5, 2.0], [3.0, 0.2, 1.0, 0.2], 1.0, 0.25),
        # Margin 0: only wrongly ordered pairs cost: pair 1 max(0, -0.5) = 0, pair 2 2. Mean 1.
        ([0.5, 2.0, 1.0, 0.0], [1.0, 0.2, 3.0, 0.2], 0.0, 1.0),
        # Margin 2 on a right order by 0.5: 1.5; an odd batch leaves its last sample out.
        ([1.0, 0.5, 9.0], [2.0, 1.0, 0.0], 2.0, 1.5),
    ],
)
def test_ranking_loss_by_hand(predicted, target, margin, expected) -> None:
    predicted_tensor = torch.tensor(predicted, requires_grad=True)
    target_tensor = torch.tensor(target, requires_grad=True)
    loss = ranking_loss(predicted_tensor, target_tensor, margin)
    assert float(loss.detach()) == pytest.approx(expected)
    loss.backward()
    assert target_tensor.grad is None  # the true losses are targets, not trained through


def test_ranking_accuracy_by_hand() -> None:
    assert ranking_accuracy(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])) == 1.0
    assert ranking_accuracy(torch.tensor([3.0, 2.0, 1.0]), torch.tensor([1.0, 2.0, 3.0])) == 0.0
    # Pairs with distinct actual values: (0, 2) ordered wrong, (1, 2) right; chunks of one row.
    actual, predicted = torch.tensor([1.0, 1.0, 2.0]), torch.tensor([3.0, 1.0, 2.0])
    assert ranking_accuracy(predicted, actual, chunk=1) == 0.5
    assert ranking_accuracy(torch.tensor([5.0, 5.0]), torch.tensor([1.0, 2.0])) == 0.0  # a tie
    assert math.isnan(ranking_accuracy(torch.tensor([1.0, 2.0]), torch.tensor([4.0, 4.0])))


def tiny_model(backbone: str) -> TaskModel:
    torch.manual_seed(0)
    network = SmallCNN(1, width=4) if backbone == "small-cnn" else ResNet18(1, width=4)
    return TaskModel(network, network.out_features, 4, [0.5], [0.25])


@pytest.mark.parametrize(("backbone", "depths"), [("small-cnn", 3), ("resnet18", 4)])
@pytest.mark.parametrize(("progress", "reaches"), [(0.59, True), (0.6, False)])
def test_gradient_reaches_the_backbone_only_before_the_detach_point(
    backbone, depths, progress, reaches
) -> None:
    model = tiny_model(backbone)
    objective = LossPredictionObjective(model, 8, margin=1.0, weight=1.0, detach_fraction=0.6)
    assert len(objective.feature_modules(model)) == depths
    images = torch.randint(0, 256, (6, 1, 28, 28), generator=torch.Generator().manual_seed(1))
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    with capture_outputs(objective.feature_modules(model)) as features:
        per_sample = F.cross_entropy(model(images.to(torch.uint8)), labels, reduction="none")
    # The ranking term alone: any gradient in the backbone comes from the loss module.
    objective.loss([f for f in features if f is not None], per_sample, progress).backward()
    first_conv = next(m for m in model.backbone.modules() if isinstance(m, nn.Conv2d))
    grad = first_conv.weight.grad
    assert (grad is not None and float(grad.abs().sum()) > 0) == reaches
    assert all(p.grad is not None for p in objective.module.parameters())


class RecordingObjective(AuxiliaryObjective):
    """A fake objective: records what the training hands it; its loss is a trainable scalar."""

    def __init__(self) -> None:
        self.module = nn.Linear(1, 1)
        self.calls: list[tuple[int, int, float]] = []

    def feature_modules(self, model: nn.Module) -> list[nn.Module]:
        return [module for module, _ in feature_stages(model)]

    def loss(
        self, features: Sequence[torch.Tensor], per_sample_loss: torch.Tensor, progress: float
    ) -> torch.Tensor:
        self.calls.append((len(features), len(per_sample_loss), progress))
        return self.module.weight.sum() * 0.1


def test_train_classifier_feeds_the_objective_and_trains_its_module() -> None:
    model = tiny_model("small-cnn")
    objective = RecordingObjective()
    before = objective.module.weight.detach().clone()
    images = torch.randint(0, 256, (20, 1, 28, 28), generator=torch.Generator().manual_seed(2))
    settings = TrainSettings(
        epochs=1, batch_size=8, learning_rate=0.05, eval_batch_size=8, augment=False, min_steps=5
    )
    generator = torch.Generator().manual_seed(0)
    train_classifier(
        model, images.to(torch.uint8), torch.arange(20) % 4, settings, generator, None, objective
    )
    # 5 steps over 20 images in batches of 8 (8, 8, 4, then 8, 8): progress = step / 5.
    assert objective.calls == [
        (3, 8, 0.0),
        (3, 8, 0.2),
        (3, 4, 0.4),
        (3, 8, 0.6),
        (3, 8, 0.8),
    ]
    assert not torch.equal(objective.module.weight, before)  # in the task model's optimizer
    assert all(len(m._forward_hooks) == 0 for m in model.modules())  # hooks removed


def test_predict_is_the_module_on_the_eval_features() -> None:
    model = tiny_model("resnet18").eval()
    objective = LossPredictionObjective(model, 8, margin=1.0, weight=1.0, detach_fraction=0.6)
    images = torch.randint(0, 256, (5, 1, 28, 28), generator=torch.Generator().manual_seed(3))
    images = images.to(torch.uint8)
    with torch.no_grad(), capture_outputs(objective.feature_modules(model)) as features:
        model(images)
        expected = objective.module([f for f in features if f is not None])
    with precision("fp32"):  # the same arithmetic as the eager pass, not rounded to bf16
        predicted = objective.predict(model, images, batch_size=2)  # folded BatchNorm, batched
    torch.testing.assert_close(predicted, expected, atol=1e-4, rtol=1e-4)


class PixelObjective(LossPredictionObjective):
    """Predicted loss = mean pixel value: a known ranking for ``select``."""

    def predict(self, model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
        return images.float().mean(dim=(1, 2, 3))


@pytest.mark.parametrize(("subset", "budget", "drawn"), [(0, 4, 0), (7, 4, 7), (3, 4, 4)])
def test_select_takes_the_highest_predicted_loss_of_the_subset(subset, budget, drawn) -> None:
    model = tiny_model("small-cnn").eval()
    ctx = tiny_context(model, seed=5)
    ctx.auxiliary = PixelObjective(model, 8, margin=1.0, weight=1.0, detach_fraction=0.6)
    selection = LearningLossStrategy({"subset": str(subset)}).select(ctx, budget)
    candidates = ctx.unlabeled
    if drawn:  # the subset comes from the strategy generator (never below the budget)
        order = torch.randperm(len(candidates), generator=torch.Generator().manual_seed(5))
        candidates = candidates[order[:drawn]]
    means = ctx.pool_images[candidates].float().mean(dim=(1, 2, 3))
    expected = candidates[torch.argsort(means, descending=True, stable=True)[:budget]]
    assert selection.indices.tolist() == expected.tolist()
    assert selection.scores is not None
    assert selection.scores.tolist() == sorted(selection.scores.tolist(), reverse=True)
    assert selection.diagnostics["ll_ranked"] == len(candidates)
    assert 0.0 <= selection.diagnostics["ll_ranking_accuracy"] <= 1.0


def test_select_without_a_trained_module_is_a_clear_error() -> None:
    ctx = tiny_context(tiny_model("small-cnn"))
    with pytest.raises(RuntimeError, match="learning-loss needs its module trained"):
        LearningLossStrategy().select(ctx, 3)


def test_options_have_the_paper_defaults_and_are_checked() -> None:
    options = LearningLossStrategy().options
    assert (options.margin, options.weight, options.detach_fraction) == (1.0, 1.0, 0.6)
    assert (options.subset, options.width) == (10_000, 128)
    with pytest.raises(ValueError, match=r"detach_fraction=1\.5: must be in"):
        LearningLossStrategy({"detach_fraction": "1.5"})
    with pytest.raises(ValueError, match="width='0': must be a finite number, at least 1"):
        LearningLossStrategy({"width": "0"})

"""Learning Loss for Active Learning: query the samples whose loss a jointly trained module
predicts to be highest.

Each cycle the loop trains the task model together with the strategy's loss-prediction module
(:mod:`palsim.strategies.loss_prediction`): task cross-entropy + ``weight`` x the margin
ranking loss between the module's predictions and the true per-sample losses, the module's
gradient into the task model stopped after ``detach_fraction`` of the steps. ``select`` then
ranks a random subset of ``subset`` unlabeled samples by predicted loss and takes the top
``budget``. docs/strategies.md lists the options and the deviations from the paper.

References: Yoo and Kweon, Learning Loss for Active Learning (CVPR 2019), arXiv 1905.03677.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from palsim.diagnostics import chance_warning
from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, at_least, top_k
from palsim.strategies.loss_prediction import LossPredictionObjective, ranking_accuracy
from palsim.train import predict_logits

#: Labeled samples (evenly spaced) on which the ranking accuracy is measured: 4,096^2 pairs.
DIAGNOSTIC_SIZE = 4096


@dataclass(frozen=True)
class LearningLossOptions:
    """Learning Loss's settings; every default is the paper's."""

    margin: float = 1.0  # xi of the ranking loss, in loss units (paper: 1)
    weight: float = 1.0  # lambda, weight of the ranking loss beside the task loss (paper: 1)
    detach_fraction: float = 0.6  # share of steps after which features are detached (paper 120/200)
    subset: int = 10_000  # unlabeled samples ranked per query, a random subset (paper); 0: all
    width: int = field(default=128, metadata=at_least(1))  # units per depth's FC (paper: 128)

    def __post_init__(self) -> None:
        if self.detach_fraction > 1:
            raise ValueError(
                f"strategy option detach_fraction={self.detach_fraction}: must be in [0, 1]"
            )


@STRATEGIES.register(
    "learning-loss", "LL4AL: highest loss predicted by a module trained with the task model"
)
class LearningLossStrategy(Strategy):
    """Learning Loss: a loss-prediction module on the task model's features at several depths.

    References: Yoo and Kweon, Learning Loss for Active Learning (CVPR 2019), arXiv 1905.03677.
    """

    Options = LearningLossOptions
    reference = "Yoo, Kweon, CVPR 2019, arXiv 1905.03677"

    def auxiliary_objective(self, model: nn.Module) -> LossPredictionObjective:
        options: LearningLossOptions = self.options
        return LossPredictionObjective(
            model, options.width, options.margin, options.weight, options.detach_fraction
        )

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        objective = ctx.auxiliary
        if not isinstance(objective, LossPredictionObjective):
            raise RuntimeError("learning-loss needs its module trained with the task model")
        batch = ctx.train.eval_batch_size
        # 1. The random subset of the unlabeled pool to rank (never smaller than the budget).
        subset = self.options.subset
        candidates = ctx.unlabeled
        if 0 < subset < len(candidates):
            draw = torch.randperm(len(candidates), generator=ctx.generator)
            candidates = candidates[draw[: max(subset, budget)].to(candidates.device)]
        # 2. Rank by predicted loss; take the top ``budget``.
        predicted = objective.predict(ctx.model, ctx.pool_images[candidates], batch)
        selection = top_k(predicted, candidates, budget)
        diagnostics, warnings = self.diagnostics(ctx, objective, len(candidates))
        return Selection(selection.indices, selection.scores, diagnostics, warnings)

    @staticmethod
    def diagnostics(
        ctx: QueryContext, objective: LossPredictionObjective, ranked: int
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """How well the module orders the labeled set's true losses (given labels, no aug)."""
        count = min(len(ctx.labeled), DIAGNOSTIC_SIZE)
        spaced = torch.linspace(0, len(ctx.labeled) - 1, count, device=ctx.labeled.device).long()
        images = ctx.pool_images[ctx.labeled[spaced]]
        batch = ctx.train.eval_batch_size
        actual = F.cross_entropy(
            predict_logits(ctx.model, images, batch), ctx.labels[spaced], reduction="none"
        )
        accuracy = ranking_accuracy(objective.predict(ctx.model, images, batch), actual)
        warning = chance_warning(
            "loss prediction module", "ranking accuracy on its labeled set", accuracy, 2
        )
        diagnostics = {"ll_ranking_accuracy": accuracy, "ll_ranked": ranked}
        return diagnostics, (warning,) if warning else ()

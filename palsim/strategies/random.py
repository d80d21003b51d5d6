"""Random sampling: the baseline every strategy must beat."""

from __future__ import annotations

import torch

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy


@STRATEGIES.register("random", "uniform sample of the unlabeled pool")
class RandomStrategy(Strategy):
    """Choose ``budget`` unlabeled samples uniformly at random (from the strategy seed).

    References: the standard baseline of every AL paper, e.g. Settles, Active Learning
    Literature Survey (2009).
    """

    reference = "Settles, Active Learning Literature Survey (2009)"
    cold_start = True
    tasks = ("classification", "segmentation")

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        order = torch.randperm(len(ctx.unlabeled), generator=ctx.generator)[:budget]
        return Selection(indices=ctx.unlabeled[order.to(ctx.unlabeled.device)])

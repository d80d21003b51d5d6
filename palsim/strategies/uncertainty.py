"""Uncertainty sampling from the task model's softmax: entropy, margin, least confidence."""

from __future__ import annotations

import torch

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, top_k
from palsim.train import predict_probabilities


def entropy_score(probabilities: torch.Tensor) -> torch.Tensor:
    """Predictive entropy in nats over the last (class) dimension; high when spread out."""
    return -(probabilities * probabilities.clamp_min(1e-12).log()).sum(dim=-1)


def margin_score(probabilities: torch.Tensor) -> torch.Tensor:
    """Minus the gap between the two most likely classes; high when they are close."""
    top_two = probabilities.topk(2, dim=1).values
    return -(top_two[:, 0] - top_two[:, 1])


def least_confidence_score(probabilities: torch.Tensor) -> torch.Tensor:
    """One minus the top probability; high when the model is unsure of its best guess."""
    return 1.0 - probabilities.max(dim=1).values


class UncertaintyStrategy(Strategy):
    """Score the unlabeled pool with the task model and take the top ``budget``."""

    @staticmethod
    def score(probabilities: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        images = ctx.pool_images[ctx.unlabeled]
        probabilities = predict_probabilities(ctx.model, images, ctx.train.eval_batch_size)
        return top_k(self.score(probabilities), ctx.unlabeled, budget)


@STRATEGIES.register("entropy", "highest predictive entropy of the task model")
class EntropyStrategy(UncertaintyStrategy):
    """Maximum entropy sampling.

    References: Shannon entropy for AL, Settles, Active Learning Literature Survey (2009).
    """

    reference = "Settles, Active Learning Literature Survey (2009)"

    score = staticmethod(entropy_score)


@STRATEGIES.register("margin", "smallest gap between the two most likely classes")
class MarginStrategy(UncertaintyStrategy):
    """Margin sampling.

    References: Scheffer, Decomain, Wrobel, Active Hidden Markov Models (IDA 2001).
    """

    reference = "Scheffer, Decomain, Wrobel, Active Hidden Markov Models (IDA 2001)"

    score = staticmethod(margin_score)


@STRATEGIES.register("least-confidence", "lowest probability of the predicted class")
class LeastConfidenceStrategy(UncertaintyStrategy):
    """Least-confidence sampling.

    References: Culotta and McCallum, Reducing Labeling Effort for Structured Prediction
    Tasks (AAAI 2005).
    """

    reference = "Culotta and McCallum, AAAI 2005"

    score = staticmethod(least_confidence_score)

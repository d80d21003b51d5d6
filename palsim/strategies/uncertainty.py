"""Uncertainty sampling from the task model's softmax: entropy, margin, least confidence.

For segmentation the score is computed per pixel and averaged over the image's pixels (mean
pixel entropy, mean pixel margin, ...), a batch at a time so that the pool's per-pixel
probabilities are never all in memory.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, top_k
from palsim.train import apply_batched, fold_batchnorm


def entropy_score(probabilities: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Predictive entropy in nats over the class dimension ``dim``; high when spread out."""
    return -(probabilities * probabilities.clamp_min(1e-12).log()).sum(dim=dim)


def margin_score(probabilities: torch.Tensor) -> torch.Tensor:
    """Minus the gap between the two most likely classes; high when they are close."""
    top_two = probabilities.topk(2, dim=1).values
    return -(top_two[:, 0] - top_two[:, 1])


def least_confidence_score(probabilities: torch.Tensor) -> torch.Tensor:
    """One minus the top probability; high when the model is unsure of its best guess."""
    return 1.0 - probabilities.max(dim=1).values


class UncertaintyStrategy(Strategy):
    """Score the unlabeled pool with the task model and take the top ``budget``."""

    tasks = ("classification", "segmentation")

    @staticmethod
    def score(probabilities: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        images = ctx.pool_images[ctx.unlabeled]
        scores = score_pool(ctx.model, images, ctx.train.eval_batch_size, self.score)
        return top_k(scores, ctx.unlabeled, budget)


def pixel_mean(scores: torch.Tensor) -> torch.Tensor:
    """One score per image: the mean over pixels of per-pixel scores ``(B, H, W)``; scores
    that are already per image ``(B,)`` pass unchanged."""
    return scores.flatten(1).mean(dim=1) if scores.dim() > 1 else scores


def score_pool(
    model: torch.nn.Module,
    images: torch.Tensor,
    batch_size: int,
    score: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """``score`` of the softmax over classes (dim 1), one value per image, batch by batch."""
    folded = fold_batchnorm(model)
    return apply_batched(
        lambda batch: pixel_mean(score(folded(batch).float().softmax(dim=1))), images, batch_size
    )


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

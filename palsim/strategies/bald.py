"""MC-dropout strategies: BALD (DBAL) and variation ratio over T stochastic passes of the head.

The task model is trained with dropout before its linear head (``task_dropout``). At query
time the backbone runs once over the pool in eval mode; only the head (dropout + linear) runs
T times with dropout active. The passes are therefore exact MC-dropout samples of the model's
predictive distribution where the dropout sits, at the cost of T tiny matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, at_least, top_k
from palsim.strategies.uncertainty import entropy_score
from palsim.train import embed, seeded


def _check_passes(probabilities: torch.Tensor) -> None:
    if probabilities.dim() != 3:
        raise ValueError(
            f"expected probabilities of shape (T, N, K), got {tuple(probabilities.shape)}"
        )


def bald_score(probabilities: torch.Tensor) -> torch.Tensor:
    """Mutual information between prediction and weights, in nats, from ``(T, N, K)`` passes.

    BALD = H[mean over passes of p] - mean over passes of H[p]: zero when every pass gives
    the same distribution, positive when the passes disagree.
    """
    _check_passes(probabilities)
    predictive = entropy_score(probabilities.mean(dim=0), dim=-1)
    expected = entropy_score(probabilities, dim=-1).mean(dim=0)
    # Rounding can make the difference a hair below zero; information is never negative.
    return (predictive - expected).clamp_min(0.0)


def variation_ratio(probabilities: torch.Tensor) -> torch.Tensor:
    """1 - (votes for the most voted class) / T, from ``(T, N, K)`` passes; 0 when unanimous."""
    _check_passes(probabilities)
    passes, _, classes = probabilities.shape
    votes = probabilities.argmax(dim=2)  # (T, N)
    counts = torch.zeros(votes.shape[1], classes, device=votes.device)
    counts.scatter_add_(1, votes.T, torch.ones_like(votes.T, dtype=counts.dtype))
    return 1.0 - counts.max(dim=1).values / passes


def mc_dropout_probabilities(head: nn.Module, features: torch.Tensor, passes: int) -> torch.Tensor:
    """Softmax of ``head`` over ``features`` with dropout active, ``passes`` times: (T, N, K)."""
    was_training = head.training
    head.train()
    try:
        with torch.no_grad():
            return torch.stack([head(features).float().softmax(dim=1) for _ in range(passes)])
    finally:
        head.train(was_training)


@dataclass(frozen=True)
class MCDropoutOptions:
    passes: int = field(default=20, metadata=at_least(1))  # stochastic passes of the head (T)
    # Pool samples per block of T passes (bounds memory at T x chunk x K).
    chunk: int = field(default=4096, metadata=at_least(1))


class MCDropoutStrategy(Strategy):
    """Score the unlabeled pool with T dropout passes of the head; take the top ``budget``."""

    Options = MCDropoutOptions
    task_dropout = 0.3

    @staticmethod
    def score(probabilities: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        if self.options.passes < 1 or self.options.chunk < 1:
            raise ValueError("strategy options passes and chunk must be at least 1")
        # 1. Backbone features of the unlabeled pool, once, in eval mode (BatchNorm frozen).
        images = ctx.pool_images[ctx.unlabeled]
        features = embed(ctx.model, images, ctx.train.eval_batch_size)
        head: nn.Module = ctx.model.head  # type: ignore[assignment]
        # 2. T dropout passes of the head per block of the pool, seeded for reproducibility.
        scores = []
        with seeded(ctx.seed):
            for start in range(0, len(features), self.options.chunk):
                block = features[start : start + self.options.chunk]
                scores.append(
                    self.score(mc_dropout_probabilities(head, block, self.options.passes))
                )
        # 3. Highest disagreement first.
        return top_k(torch.cat(scores), ctx.unlabeled, budget)


@STRATEGIES.register("bald", "MC-dropout BALD: mutual information of prediction and weights")
class BaldStrategy(MCDropoutStrategy):
    """Bayesian Active Learning by Disagreement with MC dropout (DBAL).

    References: Gal, Islam, Ghahramani, Deep Bayesian Active Learning with Image Data
    (ICML 2017), arXiv 1703.02910; Houlsby et al., BALD (2011), arXiv 1112.5745.
    """

    reference = "Gal, Islam, Ghahramani, ICML 2017, arXiv 1703.02910"

    score = staticmethod(bald_score)


@STRATEGIES.register("dbal", "alias of bald (the name used in the PAL paper)")
class DbalStrategy(BaldStrategy):
    """DBAL, as the PAL paper names its MC-dropout BALD baseline; identical to ``bald``.

    References: Gal, Islam, Ghahramani, Deep Bayesian Active Learning with Image Data
    (ICML 2017), arXiv 1703.02910.
    """

    reference = "Gal, Islam, Ghahramani, ICML 2017, arXiv 1703.02910"


@STRATEGIES.register("var-ratio", "MC-dropout variation ratio: disagreement of the passes' votes")
class VariationRatioStrategy(MCDropoutStrategy):
    """Variation ratio over MC-dropout passes (ties in the ranking broken by pool position).

    References: Freeman, Elementary Applied Statistics (1965); Gal, Islam, Ghahramani, Deep
    Bayesian Active Learning with Image Data (ICML 2017), arXiv 1703.02910.
    """

    reference = "Freeman (1965); Gal, Islam, Ghahramani, ICML 2017, arXiv 1703.02910"

    score = staticmethod(variation_ratio)

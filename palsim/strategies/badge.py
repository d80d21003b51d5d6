"""BADGE: k-means++ seeding over gradient embeddings, without ever forming them.

The gradient of the cross-entropy at the predicted label with respect to the last layer's
weights is g = (p - e_yhat) outer h: a K*D vector per sample. Its geometry only needs two
small factors, a = p - e_yhat (K) and h (D), because

    <g_i, g_j> = <a_i, a_j> <h_i, h_j>,
    ||g_i - g_j||^2 = ||a_i||^2 ||h_i||^2 + ||a_j||^2 ||h_j||^2 - 2 <a_i, a_j> <h_i, h_j>.

So each k-means++ step costs two matrix-vector products over the pool and memory stays
(N, K + D).
"""

from __future__ import annotations

import torch

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy
from palsim.train import embed


def gradient_factors(
    probabilities: torch.Tensor, features: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The factors (a, h) of the gradient embeddings g = a outer h, a = p - onehot(argmax p)."""
    hallucinated = torch.nn.functional.one_hot(probabilities.argmax(dim=1), probabilities.shape[1])
    return probabilities - hallucinated.to(probabilities.dtype), features


def gradient_squared_norms(factor_a: torch.Tensor, factor_h: torch.Tensor) -> torch.Tensor:
    """||g_i||^2 = ||a_i||^2 ||h_i||^2 for every sample."""
    return factor_a.square().sum(dim=1) * factor_h.square().sum(dim=1)


def gradient_squared_distances(
    factor_a: torch.Tensor,
    factor_h: torch.Tensor,
    centers: torch.Tensor,
    norms: torch.Tensor | None = None,
) -> torch.Tensor:
    """||g_i - g_c||^2 for every sample i and every index c in ``centers``: shape (N, C).

    ``norms`` are the samples' ``gradient_squared_norms`` when already at hand.
    """
    if norms is None:
        norms = gradient_squared_norms(factor_a, factor_h)
    inner = (factor_a @ factor_a[centers].T) * (factor_h @ factor_h[centers].T)
    return (norms[:, None] + norms[centers][None, :] - 2 * inner).clamp_min(0)


def kmeans_plus_plus(
    factor_a: torch.Tensor, factor_h: torch.Tensor, k: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """k-means++ seeding over the gradient embeddings given by their factors.

    The first center is the largest gradient (as in BADGE); each next one is drawn with
    probability proportional to its squared distance to the nearest center so far. Returns
    the chosen rows in pick order and each one's squared distance when drawn (the first one's
    squared norm). Chosen rows are distinct.
    """
    count = len(factor_a)
    if k > count:
        raise ValueError(f"cannot pick {k} centers from {count} samples")
    device = factor_a.device
    chosen = torch.empty(k, dtype=torch.long, device=device)
    weights = torch.empty(k, dtype=torch.float64, device=device)
    taken = torch.zeros(count, dtype=torch.bool, device=device)
    if k == 0:
        return chosen, weights.float()
    # 1. First center: the largest gradient embedding.
    norms = gradient_squared_norms(factor_a, factor_h)
    nearest = norms.double()
    index = nearest.argmax()
    for step in range(k):
        chosen[step], weights[step] = index, nearest[index]
        taken[index] = True
        # 2. Squared distance to the nearest center, updated with the new center only.
        update = gradient_squared_distances(factor_a, factor_h, index[None], norms)[:, 0].double()
        nearest = torch.minimum(nearest, update) if step else update
        if step + 1 == k:
            break
        # 3. Draw the next center proportionally to D^2 (inverse CDF on the device). Rows not
        #    yet taken keep a tiny positive weight, so duplicates can still be drawn once each.
        mass = torch.where(taken, 0.0, nearest.clamp_min(1e-30))
        cumulative = mass.cumsum(dim=0)
        target = torch.rand(1, generator=generator, dtype=torch.float64).to(device) * cumulative[-1]
        index = torch.searchsorted(cumulative, target, right=True)[0].clamp_max(count - 1)
    return chosen, weights.float()


@STRATEGIES.register("badge", "k-means++ over gradient embeddings (uncertainty and diversity)")
class BadgeStrategy(Strategy):
    """Batch Active learning by Diverse Gradient Embeddings.

    Gradient embeddings of the unlabeled pool at the task model's predicted labels, then
    k-means++ seeding (drawn from ``ctx.generator``) to pick a batch that is both uncertain
    (long gradients) and diverse (far apart). Scores are each pick's D^2 when drawn.

    References: Ash, Zhang, Krishnamurthy, Langford, Agarwal, Deep Batch Active Learning by
    Diverse, Uncertain Gradient Lower Bounds (ICLR 2020), arXiv 1906.03671.
    """

    reference = "Ash, Zhang, Krishnamurthy, Langford, Agarwal, ICLR 2020, arXiv 1906.03671"

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        # 1. Penultimate features and class probabilities of the unlabeled pool.
        features = embed(ctx.model, ctx.pool_images[ctx.unlabeled], ctx.train.eval_batch_size)
        with torch.no_grad():
            probabilities = ctx.model.head(features).float().softmax(dim=1)  # type: ignore[operator]
        # 2. k-means++ over the implicit gradient embeddings.
        factor_a, factor_h = gradient_factors(probabilities, features)
        chosen, weights = kmeans_plus_plus(factor_a, factor_h, budget, ctx.generator)
        return Selection(indices=ctx.unlabeled[chosen.to(ctx.unlabeled.device)], scores=weights)

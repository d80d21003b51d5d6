"""Core-set: k-center greedy over the task model's embeddings, on the device, in chunks.

Each point's squared distance to its nearest center is kept in one vector of length N; a new
center updates it with one matrix-vector product (||x||^2 + ||c||^2 - 2 x.c), so memory stays
linear in the pool and no N x N matrix is ever formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, at_least
from palsim.train import embed


def min_squared_distances(
    points: torch.Tensor,
    centers: torch.Tensor,
    chunk: int = 8192,
    point_norms: torch.Tensor | None = None,
) -> torch.Tensor:
    """Squared Euclidean distance from each of ``points`` (N, D) to its nearest of ``centers``.

    Blocks of at most ``chunk`` x ``chunk`` distances are formed at a time; +inf without centers.
    ``point_norms`` are the points' squared norms when already at hand.
    """
    nearest = torch.full((len(points),), float("inf"), dtype=points.dtype, device=points.device)
    if point_norms is None:
        point_norms = points.square().sum(dim=1)
    for c_start in range(0, len(centers), chunk):
        block = centers[c_start : c_start + chunk]
        block_norms = block.square().sum(dim=1)
        for p_start in range(0, len(points), chunk):
            rows = slice(p_start, p_start + chunk)
            squared = point_norms[rows, None] + block_norms[None, :] - 2 * points[rows] @ block.T
            nearest[rows] = torch.minimum(nearest[rows], squared.clamp_min(0).min(dim=1).values)
    return nearest


def k_center_greedy(
    embeddings: torch.Tensor, labeled_mask: torch.Tensor, k: int, chunk: int = 8192
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pick ``k`` unlabeled points, each the one farthest from the labeled set and earlier picks.

    Returns the chosen row indices in pick order and each one's distance to its nearest center
    when picked (non-increasing). The max min-distance of the result is within a factor 2 of
    the optimal k-center cover (Gonzalez 1985). Without labeled points the first pick is the
    point farthest from the mean.
    """
    candidates = int((~labeled_mask).sum())
    if k > candidates:
        raise ValueError(f"cannot pick {k} centers from {candidates} unlabeled points")
    # 1. Distance of every point to the labeled set (chunked over centers and points).
    norms = embeddings.square().sum(dim=1)
    if bool(labeled_mask.any()):
        nearest = min_squared_distances(embeddings, embeddings[labeled_mask], chunk, norms)
    else:
        mean = embeddings.mean(dim=0, keepdim=True)
        nearest = min_squared_distances(embeddings, mean, chunk, norms)
    # Labeled points can never be picked, even when every distance is zero (duplicates).
    nearest = nearest.masked_fill(labeled_mask, -1.0)
    chosen = torch.empty(k, dtype=torch.long, device=embeddings.device)
    radii = torch.empty(k, dtype=embeddings.dtype, device=embeddings.device)
    for step in range(k):
        # 2. The farthest point becomes a center (argmax stays on the device: no sync).
        index = nearest.argmax()
        chosen[step] = index
        radii[step] = nearest[index].clamp_min(0).sqrt()
        # 3. Update every distance with the new center only: one (N, D) x (D,) product.
        update = min_squared_distances(embeddings, embeddings[index][None], chunk, norms)
        nearest = torch.minimum(nearest, update)
        nearest[index] = -1.0
    return chosen, radii


@dataclass(frozen=True)
class CoresetOptions:
    # Rows per block of distances (memory ~ chunk x chunk floats at most).
    chunk: int = field(default=8192, metadata=at_least(1))


@STRATEGIES.register("coreset", "k-center greedy over task-model embeddings")
class CoresetStrategy(Strategy):
    """Core-set selection by k-center greedy on the task model's penultimate features.

    The labeled set is the initial set of centers; each pick is the unlabeled sample farthest
    from every center so far. Scores are the pick-time distances (higher = picked earlier).

    References: Sener and Savarese, Active Learning for Convolutional Neural Networks: A
    Core-Set Approach (ICLR 2018), arXiv 1708.00489.
    """

    reference = "Sener and Savarese, ICLR 2018, arXiv 1708.00489"

    Options = CoresetOptions
    tasks = ("classification", "segmentation")  # segmentation: pooled per-image features

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        if self.options.chunk < 1:
            raise ValueError("strategy option chunk must be at least 1")
        # 1. Embeddings of the whole pool (labeled points are the initial centers).
        embeddings = embed(ctx.model, ctx.pool_images, ctx.train.eval_batch_size)
        labeled_mask = torch.zeros(len(embeddings), dtype=torch.bool, device=embeddings.device)
        labeled_mask[ctx.labeled] = True
        # 2. Greedy k-center over the pool; chosen rows are pool positions already.
        chosen, radii = k_center_greedy(embeddings, labeled_mask, budget, self.options.chunk)
        return Selection(indices=chosen.to(ctx.unlabeled.device), scores=radii)

"""TypiClust: the most typical sample of each of the largest clusters the labeled set misses.

1. Embed the pool (labeled and unlabeled; :mod:`palsim.strategies.embedding`).
2. K-means into ``min(|L| + budget, max_clusters)`` clusters (:mod:`palsim.strategies.kmeans`).
3. Repeatedly take the cluster with the fewest labeled (or already picked) samples, the
   largest among those, skipping clusters smaller than ``min_cluster_size``; pick its most
   typical sample not yet labeled. Typicality is the inverse of the mean Euclidean distance to
   the ``min(neighbours, size - 1)`` nearest other members of the cluster: high in dense
   regions, so the pick represents its cluster rather than its edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, at_least
from palsim.strategies.embedding import EmbeddingOptions, pool_embedding
from palsim.strategies.kmeans import kmeans

CHUNK = 2048  # cluster members per block of pairwise distances


def typicality(points: torch.Tensor, neighbours: int, chunk: int = CHUNK) -> torch.Tensor:
    """1 / mean distance to the ``min(neighbours, n - 1)`` nearest other rows, for every row.

    A single row has no neighbours and gets 0. Rows at distance 0 from all their neighbours
    (duplicates) get +inf, the most typical possible.
    """
    count = len(points)
    k = min(neighbours, count - 1)
    if k < 1:
        return torch.zeros(count, dtype=points.dtype, device=points.device)
    norms = points.square().sum(dim=1)
    result = torch.empty(count, dtype=points.dtype, device=points.device)
    for start in range(0, count, chunk):
        rows = torch.arange(start, min(start + chunk, count), device=points.device)
        squared = norms[rows, None] + norms[None, :] - 2 * points[rows] @ points.T
        squared[torch.arange(len(rows)), rows] = float("inf")  # a row is not its own neighbour
        nearest = squared.topk(k, dim=1, largest=False).values.clamp_min(0).sqrt()
        result[rows] = 1.0 / nearest.mean(dim=1)
    return result


def typiclust_select(
    points: torch.Tensor,
    assignments: torch.Tensor,
    labeled_mask: torch.Tensor,
    selectable_mask: torch.Tensor,
    budget: int,
    min_cluster_size: int = 5,
    neighbours: int = 20,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows chosen by TypiClust's rule (see the module docstring) and each one's typicality.

    ``labeled_mask`` marks the rows that cover their cluster, ``selectable_mask`` those that
    may be picked. Clusters below ``min_cluster_size`` are used only once every larger cluster
    has no selectable member left, so ``budget`` rows come back whenever that many are
    selectable.
    """
    clusters = int(assignments.max()) + 1 if len(assignments) else 0
    members = assignments.cpu().numpy()
    sizes = np.bincount(members, minlength=clusters)
    covered = np.bincount(members[labeled_mask.cpu().numpy()], minlength=clusters)
    free = np.bincount(members[selectable_mask.cpu().numpy()], minlength=clusters)
    taken = ~selectable_mask
    scores: dict[int, torch.Tensor] = {}  # typicality of each visited cluster's members
    rows: dict[int, torch.Tensor] = {}
    chosen, chosen_scores = [], []
    for _ in range(budget):
        open_clusters = np.flatnonzero((free > 0) & (sizes >= min_cluster_size))
        if len(open_clusters) == 0:
            open_clusters = np.flatnonzero(free > 0)
        if len(open_clusters) == 0:
            raise ValueError(f"cannot pick {budget} samples: too few are unlabeled")
        # Fewest labeled first, then the largest; ties to the lower cluster number.
        order = np.lexsort((open_clusters, -sizes[open_clusters], covered[open_clusters]))
        cluster = int(open_clusters[order[0]])
        if cluster not in scores:
            rows[cluster] = torch.nonzero(assignments == cluster).flatten()
            scores[cluster] = typicality(points[rows[cluster]], neighbours)
        candidates = torch.where(taken[rows[cluster]], -1.0, scores[cluster])
        best = int(candidates.argmax())
        row = rows[cluster][best]
        chosen.append(row)
        chosen_scores.append(scores[cluster][best])
        taken[row] = True
        covered[cluster] += 1
        free[cluster] -= 1
    device = points.device
    if not chosen:
        return torch.empty(0, dtype=torch.long, device=device), torch.empty(0, device=device)
    return torch.stack(chosen), torch.stack(chosen_scores)


@dataclass(frozen=True)
class TypiclustOptions(EmbeddingOptions):
    max_clusters: int = field(default=500, metadata=at_least(1))  # the paper's cap on K
    min_cluster_size: int = field(default=5, metadata=at_least(1))  # smaller: skipped (paper)
    neighbours: int = field(default=20, metadata=at_least(1))  # k of typicality (paper: 20)
    iterations: int = field(default=100, metadata=at_least(1))  # Lloyd rounds at most


@STRATEGIES.register("typiclust", "most typical sample of the largest uncovered clusters")
class TypiclustStrategy(Strategy):
    """TypiClust, a low-budget (cold-start) strategy on a self-supervised embedding.

    Scores are the picks' typicality (higher = more typical of its cluster).

    References: Hacohen, Dekel, Weinshall, Active Learning on a Budget: Opposite Strategies
    Suit High and Low Budgets (ICML 2022), arXiv 2202.02794.
    """

    Options = TypiclustOptions
    reference = "Hacohen, Dekel, Weinshall, ICML 2022, arXiv 2202.02794"
    cold_start = True

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        options: TypiclustOptions = self.options
        # 1. The embedding of the whole pool (cached for the run).
        embedding = pool_embedding(ctx, options)
        points, diagnostics = embedding.points, dict(embedding.diagnostics)
        labeled_mask = torch.zeros(len(points), dtype=torch.bool, device=points.device)
        labeled_mask[ctx.labeled] = True
        selectable_mask = torch.zeros_like(labeled_mask)
        selectable_mask[ctx.unlabeled] = True
        # 2. K-means over labeled and unlabeled samples, seeded by the strategy stream.
        clusters = min(len(ctx.labeled) + budget, options.max_clusters, len(points))
        clustering = kmeans(points, clusters, ctx.generator, options.iterations)
        # 3. One typical sample per uncovered cluster, largest clusters first.
        chosen, scores = typiclust_select(
            points,
            clustering.assignments,
            labeled_mask,
            selectable_mask,
            budget,
            options.min_cluster_size,
            options.neighbours,
        )
        diagnostics.update(typiclust_clusters=clusters, kmeans_iterations=clustering.iterations)
        return Selection(chosen.to(ctx.unlabeled.device), scores, diagnostics, embedding.warnings)

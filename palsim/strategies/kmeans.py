"""Seeded K-means in torch: k-means++ seeding, then Lloyd iterations, in chunks on the device.

Distances are formed ``chunk`` points at a time against all centers (``chunk x K`` floats),
so a 60,000-image pool with 500 clusters never holds an N x N or a large N x K matrix.
TypiClust clusters its embedding with it, ProbCover labels points for its delta rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

CHUNK = 4096  # points per block of distances to the centers


@dataclass(frozen=True)
class Clustering:
    """The result of :func:`kmeans`."""

    centers: torch.Tensor  # (K, D) float
    assignments: torch.Tensor  # (N,) int64 cluster of each point
    iterations: int  # Lloyd iterations run (stops early once no point changes cluster)


def nearest_centers(
    points: torch.Tensor, centers: torch.Tensor, chunk: int = CHUNK
) -> tuple[torch.Tensor, torch.Tensor]:
    """Index of each point's nearest center and the squared distance to it (ties: lower index)."""
    indices = torch.empty(len(points), dtype=torch.long, device=points.device)
    squared = torch.empty(len(points), dtype=points.dtype, device=points.device)
    center_norms = centers.square().sum(dim=1)
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        distances = block.square().sum(dim=1, keepdim=True) + center_norms - 2 * block @ centers.T
        best = distances.min(dim=1)
        indices[start : start + chunk] = best.indices
        squared[start : start + chunk] = best.values.clamp_min(0)
    return indices, squared


def kmeans_plus_plus_seeds(
    points: torch.Tensor, k: int, generator: torch.Generator
) -> torch.Tensor:
    """Rows of ``k`` distinct seeds: the first uniform, each next drawn proportionally to D^2.

    Points already at distance 0 from a seed (duplicates) keep a tiny weight, so ``k`` distinct
    rows come back whenever ``k <= len(points)``.
    """
    count = len(points)
    if not 1 <= k <= count:
        raise ValueError(f"cannot seed {k} clusters from {count} points")
    chosen = torch.empty(k, dtype=torch.long, device=points.device)
    taken = torch.zeros(count, dtype=torch.bool, device=points.device)
    index = torch.randint(count, (1,), generator=generator).to(points.device)[0]
    nearest = torch.full((count,), float("inf"), dtype=torch.float64, device=points.device)
    for step in range(k):
        chosen[step] = index
        taken[index] = True
        update = (points - points[index]).square().sum(dim=1).double()
        nearest = torch.minimum(nearest, update)
        if step + 1 == k:
            break
        # Inverse-CDF draw on the device (float64 sums), as BADGE's seeding does.
        mass = torch.where(taken, 0.0, nearest.clamp_min(1e-30))
        cumulative = mass.cumsum(dim=0)
        target = torch.rand(1, generator=generator, dtype=torch.float64).to(points.device)
        index = torch.searchsorted(cumulative, target * cumulative[-1], right=True)[0]
        index = index.clamp_max(count - 1)
    return chosen


def kmeans(
    points: torch.Tensor,
    k: int,
    generator: torch.Generator,
    iterations: int = 100,
    chunk: int = CHUNK,
    tolerance: float = 1e-4,
) -> Clustering:
    """Lloyd's K-means from k-means++ seeds, at most ``iterations`` rounds.

    Stops once no point changes cluster or the centers move less than ``tolerance`` x the
    points' mean per-dimension variance in total squared distance (scikit-learn's rule and
    default). A cluster that empties is re-seeded with the point farthest from its own center
    (one that coincides with other points may stay empty). Deterministic given the
    generator's state.
    """
    centers = points[kmeans_plus_plus_seeds(points, k, generator)].clone()
    assignments, squared = nearest_centers(points, centers, chunk)
    threshold = tolerance * float(points.var(dim=0).mean()) if len(points) > 1 else 0.0
    done = 0
    while done < iterations:
        done += 1
        previous_centers = centers.clone()
        # 1. Means of the assigned points (index_add, no per-cluster Python loop).
        sums = torch.zeros_like(centers).index_add_(0, assignments, points)
        sizes = torch.bincount(assignments, minlength=k)
        filled = sizes > 0
        centers[filled] = sums[filled] / sizes[filled, None].to(points.dtype)
        # 2. Empty clusters take the points farthest from their centers, one each.
        empty = torch.nonzero(~filled).flatten()
        if len(empty):
            farthest = torch.argsort(squared, descending=True, stable=True)[: len(empty)]
            centers[empty] = points[farthest]
        # 3. Reassign; stop once nothing moves (or the centers barely do).
        previous = assignments
        assignments, squared = nearest_centers(points, centers, chunk)
        if len(empty) == 0 and torch.equal(previous, assignments):
            break
        if len(empty) == 0 and float((centers - previous_centers).square().sum()) <= threshold:
            break
    return Clustering(centers, assignments, done)

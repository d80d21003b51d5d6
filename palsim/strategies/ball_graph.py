"""ProbCover's geometry: ball purity, the delta rule and the delta-ball graph, all in chunks.

Every computation forms at most ``chunk x N`` distances at a time; the graph is kept as
sparse edge lists (CSR), never as an N x N matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

CHUNK = 1024  # rows per block of distances (chunk x N floats)


def _squared_block(points: torch.Tensor, norms: torch.Tensor, rows: slice) -> torch.Tensor:
    block = points[rows]
    return (norms[rows, None] + norms[None, :] - 2 * block @ points.T).clamp_min(0)


def purity_radii(points: torch.Tensor, labels: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """For each point, the distance to the nearest point of another label (+inf if none).

    The open ball ``{j : d(i, j) < delta}`` is pure (all of one label) exactly when
    ``delta <= radius[i]``.
    """
    norms = points.square().sum(dim=1)
    radii = torch.empty(len(points), dtype=points.dtype, device=points.device)
    for start in range(0, len(points), chunk):
        rows = slice(start, start + chunk)
        squared = _squared_block(points, norms, rows)
        squared[labels[rows, None] == labels[None, :]] = float("inf")
        radii[rows] = squared.min(dim=1).values.sqrt()
    return radii


def purity(radii: torch.Tensor, delta: float) -> float:
    """Share of points whose open delta-ball is pure."""
    return float((radii >= delta).double().mean())


def largest_pure_delta(radii: torch.Tensor, alpha: float) -> float:
    """The largest delta whose ball purity is at least ``alpha`` (the paper's rule), exactly.

    Purity falls as delta grows and is a step function of the radii, so the answer is the
    ``ceil(alpha N)``-th largest radius: that many balls stay pure at it, fewer above it.
    """
    needed = max(1, math.ceil(alpha * len(radii) - 1e-9))
    return float(radii.sort(descending=True).values[needed - 1])


@dataclass(frozen=True)
class BallGraph:
    """Edges i -> j for d(i, j) < delta, as compressed rows, and their transpose."""

    offsets: torch.Tensor  # (N + 1,) int64: out-edges of i are targets[offsets[i]:offsets[i+1]]
    targets: torch.Tensor  # (E,) int64 j of each edge
    in_offsets: torch.Tensor  # (N + 1,) int64: in-edges of j are sources[in_offsets[j]:...]
    sources: torch.Tensor  # (E,) int64 i of each edge, grouped by j

    @property
    def edges(self) -> int:
        return len(self.targets)


def ball_graph(points: torch.Tensor, delta: float, max_edges: int, chunk: int = CHUNK) -> BallGraph:
    """The delta-ball graph of ``points``; raises ValueError past ``max_edges`` edges."""
    norms = points.square().sum(dim=1)
    counts, targets, total = [], [], 0
    for start in range(0, len(points), chunk):
        inside = _squared_block(points, norms, slice(start, start + chunk)) < delta * delta
        counts.append(inside.sum(dim=1))
        targets.append(torch.nonzero(inside)[:, 1])  # row-major: grouped by source already
        total += len(targets[-1])
        if total > max_edges:
            raise ValueError(
                f"ProbCover's graph at delta {delta:.4g} has over {max_edges} edges; "
                "set a smaller -S delta=... or a larger -S max_edges=..."
            )
    degree = torch.cat(counts)
    target = torch.cat(targets)
    source = torch.repeat_interleave(torch.arange(len(points), device=points.device), degree)
    order = torch.argsort(target, stable=True)
    in_degree = torch.bincount(target, minlength=len(points))
    return BallGraph(_offsets(degree), target, _offsets(in_degree), source[order])


def _offsets(degree: torch.Tensor) -> torch.Tensor:
    return torch.cat([degree.new_zeros(1), degree.cumsum(dim=0)])


def gather_rows(offsets: torch.Tensor, values: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """``values[offsets[r]:offsets[r + 1]]`` for every r in ``rows``, concatenated."""
    starts, lengths = offsets[rows], offsets[rows + 1] - offsets[rows]
    total = int(lengths.sum())
    if total == 0:
        return values.new_empty(0)
    # Position k of the result is starts[row of k] + (k - first position of that row).
    first = torch.cumsum(lengths, dim=0) - lengths
    row_of = torch.repeat_interleave(torch.arange(len(rows), device=rows.device), lengths)
    positions = starts[row_of] + torch.arange(total, device=rows.device) - first[row_of]
    return values[positions]

"""ProbCover's geometry: ball purity, the delta rule and the delta-ball graph, all in chunks.

Every computation forms at most ``chunk x N`` distances at a time; the graph is kept as
sparse edge lists (CSR), never as an N x N matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

CHUNK = 1024  # rows per block of distances (chunk x N floats)


def _shifted_block(points: torch.Tensor, norms: torch.Tensor, rows: slice) -> torch.Tensor:
    """``|p_j|^2 - 2 <p_i, p_j>`` for the rows' points i against every point j, in one
    fused multiply-add: the squared distance less ``|p_i|^2``, which each caller adds to a
    per-row quantity (a minimum, a threshold) instead of to every entry of the block."""
    return torch.addmm(norms[None, :], points[rows], points.T, alpha=-2.0)


def purity_radii(points: torch.Tensor, labels: torch.Tensor, chunk: int = CHUNK) -> torch.Tensor:
    """For each point, the distance to the nearest point of another label (+inf if none).

    The open ball ``{j : d(i, j) < delta}`` is pure (all of one label) exactly when
    ``delta <= radius[i]``. Points are grouped by label, so each row is multiplied only by
    the points of other labels: no masking of the block, and one label's share less work.
    """
    order = torch.argsort(labels, stable=True)
    grouped = points[order]
    sizes = torch.unique_consecutive(labels[order], return_counts=True)[1].tolist()
    norms = grouped.square().sum(dim=1)
    radii = torch.full((len(points),), float("inf"), dtype=points.dtype, device=points.device)
    start = 0
    for size in sizes:
        end = start + size
        others = torch.cat([grouped[:start], grouped[end:]])
        other_norms = torch.cat([norms[:start], norms[end:]])
        if len(others) > 0:
            for first in range(start, end, chunk):
                rows = slice(first, min(first + chunk, end))
                block = torch.addmm(other_norms[None, :], grouped[rows], others.T, alpha=-2.0)
                nearest = block.min(dim=1).values + norms[rows]
                radii[rows] = nearest.clamp_min(0).sqrt()
        start = end
    result = torch.empty_like(radii)
    result[order] = radii
    return result


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
        rows = slice(start, start + chunk)
        inside = _shifted_block(points, norms, rows) < (delta * delta - norms[rows])[:, None]
        pairs = torch.nonzero(inside)  # row-major: grouped by source already
        # Counting from the pairs: a bool row sum over the whole block costs more than this.
        counts.append(torch.bincount(pairs[:, 0], minlength=len(inside)))
        targets.append(pairs[:, 1])
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

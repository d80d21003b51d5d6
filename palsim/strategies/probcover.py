"""ProbCover: greedy maximum coverage of the pool by balls of radius delta in an embedding.

1. Embed the pool (:mod:`palsim.strategies.embedding`); K-means it into as many clusters as
   the dataset has classes, and take the largest delta at which at least ``alpha`` of the
   balls are pure, i.e. hold one cluster only (the paper's rule; ``-S delta=`` overrides).
2. Build the graph i -> j for d(i, j) < delta (sparse, :mod:`palsim.strategies.ball_graph`).
3. Points in a labeled sample's ball count as covered. Repeatedly pick the selectable sample
   whose ball holds the most uncovered points and mark those covered; once everything is
   covered, draw the rest uniformly (as the paper's code does).

Steps 1 and 2 depend only on the embedding, so with the run's cached self-supervised
embedding they run once per run; each cycle pays only for the greedy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from palsim.seeds import derive_seed
from palsim.strategies import STRATEGIES
from palsim.strategies.ball_graph import (
    BallGraph,
    ball_graph,
    gather_rows,
    largest_pure_delta,
    purity,
    purity_radii,
)
from palsim.strategies.base import QueryContext, Selection, Strategy, at_least
from palsim.strategies.embedding import EmbeddingOptions, pool_embedding
from palsim.strategies.kmeans import kmeans


def greedy_cover(
    graph: BallGraph,
    labeled: torch.Tensor,
    selectable: torch.Tensor,
    budget: int,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Greedy max coverage: the chosen points, each one's newly covered count, and the final
    covered mask. ``labeled`` are point indices whose balls start covered; ``selectable`` is
    a mask of the points that may be picked. Ties go to the lower index."""
    count = len(graph.offsets) - 1
    device = graph.targets.device
    covered = torch.zeros(count, dtype=torch.bool, device=device)
    covered[gather_rows(graph.offsets, graph.targets, labeled)] = True
    # Each point's count of uncovered points in its ball: one segment sum over the edges.
    in_targets = torch.repeat_interleave(
        torch.arange(count, device=device), graph.in_offsets.diff()
    )
    degree = torch.zeros(count, dtype=torch.long, device=device)
    degree.index_add_(0, graph.sources, (~covered[in_targets]).long())
    open_points = selectable.clone()
    chosen, gains = [], []
    for _ in range(budget):
        candidates = torch.where(open_points, degree, -1)
        best = candidates.argmax()
        if int(candidates[best]) <= 0:
            break
        # Newly covered points; each removes one unit from every ball that holds it.
        ball = gather_rows(graph.offsets, graph.targets, best[None])
        newly = ball[~covered[ball]]
        covered[newly] = True
        holders = gather_rows(graph.in_offsets, graph.sources, newly)
        degree -= torch.bincount(holders, minlength=count)
        chosen.append(best)
        gains.append(len(newly))
        open_points[best] = False
    # Everything is covered: the rest uniformly, from the strategy's generator.
    rest = budget - len(chosen)
    remaining = torch.nonzero(open_points).flatten()
    if rest > len(remaining):
        raise ValueError(f"cannot pick {budget} samples: too few are selectable")
    drawn = remaining[torch.randperm(len(remaining), generator=generator)[:rest].to(device)]
    picks = torch.cat([torch.stack(chosen) if chosen else drawn.new_empty(0), drawn])
    scores = torch.tensor(gains + [0] * rest, dtype=torch.float32, device=device)
    return picks, scores, covered


@dataclass(frozen=True)
class ProbcoverOptions(EmbeddingOptions):
    delta: float = 0.0  # ball radius (embedding rows have norm 1); 0: the purity rule
    alpha: float = 0.95  # purity the chosen delta keeps at least (paper: 0.95)
    max_edges: int = field(default=50_000_000, metadata=at_least(1))  # graph size limit
    chunk: int = field(default=1024, metadata=at_least(1))  # rows per block of distances

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"strategy option alpha={self.alpha}: must lie in (0, 1]")


@dataclass(frozen=True)
class CoverGeometry:
    """What ProbCover computes from the embedding alone (cached with it for the run)."""

    delta: float  # the ball radius in use
    purity: float  # share of pure balls at delta (clusters: as many as classes)
    graph: BallGraph


@STRATEGIES.register("probcover", "greedy max coverage of delta-balls in an embedding")
class ProbcoverStrategy(Strategy):
    """ProbCover, a low-budget (cold-start) strategy on a self-supervised embedding.

    Scores are the picks' newly covered point counts (0 for draws once all is covered).

    References: Yehuda, Dekel, Hacohen, Weinshall, Active Learning Through a Covering Lens
    (NeurIPS 2022), arXiv 2205.11320.
    """

    Options = ProbcoverOptions
    reference = "Yehuda, Dekel, Hacohen, Weinshall, NeurIPS 2022, arXiv 2205.11320"
    cold_start = True

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        options: ProbcoverOptions = self.options
        embedding = pool_embedding(ctx, options)
        key = None
        if embedding.key is not None:
            key = f"probcover:{embedding.key}:{options.delta}:{options.alpha}:{ctx.num_classes}"
        geometry = ctx.run_cache.get(key) if key else None
        if geometry is None:
            geometry = self._geometry(ctx, embedding.points)
            if key:
                ctx.run_cache[key] = geometry
        selectable = torch.zeros(len(embedding.points), dtype=torch.bool, device=ctx.device)
        selectable[ctx.unlabeled] = True
        picks, gains, covered = greedy_cover(
            geometry.graph, ctx.labeled, selectable, budget, ctx.generator
        )
        diagnostics = dict(embedding.diagnostics)
        diagnostics.update(
            probcover_delta=geometry.delta,
            probcover_purity=geometry.purity,
            probcover_mean_degree=geometry.graph.edges / max(1, len(embedding.points)),
            probcover_coverage=float(covered.float().mean()),
        )
        return Selection(picks.to(ctx.unlabeled.device), gains, diagnostics, embedding.warnings)

    def _geometry(self, ctx: QueryContext, points: torch.Tensor) -> CoverGeometry:
        options: ProbcoverOptions = self.options
        # Cluster labels from a stream of the run (not the cycle): the same delta every cycle.
        generator = torch.Generator().manual_seed(derive_seed(ctx.run_seed, 0, "probcover"))
        clusters = kmeans(points, min(ctx.num_classes, len(points)), generator)
        radii = purity_radii(points, clusters.assignments, options.chunk)
        delta = options.delta or largest_pure_delta(radii, options.alpha)
        graph = ball_graph(points, delta, options.max_edges, options.chunk)
        return CoverGeometry(delta, purity(radii, delta), graph)

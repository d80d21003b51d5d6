import itertools

import pytest
import torch

from palsim.strategies.ball_graph import (
    ball_graph,
    gather_rows,
    largest_pure_delta,
    purity,
    purity_radii,
)
from palsim.strategies.probcover import greedy_cover


def test_the_delta_rule_on_a_toy_set_by_hand() -> None:
    points = torch.tensor([[0.0], [1.0], [2.0], [10.0], [11.0]])
    labels = torch.tensor([0, 0, 0, 1, 1])
    radii = purity_radii(points, labels, chunk=2)
    assert radii.tolist() == pytest.approx([10.0, 9.0, 8.0, 8.0, 9.0])
    # alpha 0.6: three pure balls are needed; at delta 9 the balls of 0, 1 and 11 are pure
    # (d(1, 10) = 9 is not < 9); just above it only one.
    assert largest_pure_delta(radii, 0.6) == pytest.approx(9.0)
    assert purity(radii, 9.0) == pytest.approx(0.6)
    assert purity(radii, 9.01) == pytest.approx(0.2)  # only the ball of 0 (radius 10)
    assert largest_pure_delta(radii, 1.0) == pytest.approx(8.0)
    assert largest_pure_delta(radii, 0.95) == pytest.approx(8.0)  # ceil(0.95 x 5) = 5 balls


def brute_edges(points: torch.Tensor, delta: float) -> set[tuple[int, int]]:
    inside = torch.cdist(points, points) < delta
    return {(int(i), int(j)) for i, j in torch.nonzero(inside)}


def test_the_graph_in_chunks_holds_exactly_the_pairs_closer_than_delta() -> None:
    points = torch.rand(41, 2, generator=torch.Generator().manual_seed(0))
    graph = ball_graph(points, 0.2, max_edges=10_000, chunk=8)
    edges = {
        (i, int(j))
        for i in range(41)
        for j in graph.targets[graph.offsets[i] : graph.offsets[i + 1]]
    }
    assert edges == brute_edges(points, 0.2)
    incoming = {
        (int(i), j)
        for j in range(41)
        for i in graph.sources[graph.in_offsets[j] : graph.in_offsets[j + 1]]
    }
    assert incoming == edges
    with pytest.raises(ValueError, match="has over 10 edges"):
        ball_graph(points, 0.2, max_edges=10)


def test_gather_rows_concatenates_the_rows_asked_for() -> None:
    offsets = torch.tensor([0, 2, 2, 5])
    values = torch.tensor([10, 11, 20, 21, 22])
    assert gather_rows(offsets, values, torch.tensor([2, 0, 1])).tolist() == [20, 21, 22, 10, 11]
    assert gather_rows(offsets, values, torch.tensor([1])).tolist() == []


def coverage(balls: list[set[int]], picks: list[int], start: set[int]) -> int:
    return len(set().union(start, *(balls[p] for p in picks)))


def balls_of(points: torch.Tensor, delta: float) -> list[set[int]]:
    inside = torch.cdist(points, points) < delta
    return [set(torch.nonzero(row).flatten().tolist()) for row in inside]


def test_greedy_equals_the_optimal_cover_when_the_balls_are_disjoint_groups() -> None:
    # Groups of 4, 3 and 2 points far apart; delta covers a whole group from any member.
    points = torch.tensor([[0.0], [0.1], [0.2], [0.3], [5.0], [5.1], [5.2], [9.0], [9.1]])
    graph = ball_graph(points, 1.0, max_edges=1000)
    selectable = torch.ones(9, dtype=torch.bool)
    picks, gains, covered = greedy_cover(
        graph, torch.tensor([], dtype=torch.long), selectable, 2, torch.Generator()
    )
    assert picks.tolist() == [0, 4]  # the largest group first, ties to the lower index
    assert gains.tolist() == [4.0, 3.0]
    balls = balls_of(points, 1.0)
    best = max(coverage(balls, list(pair), set()) for pair in itertools.combinations(range(9), 2))
    assert int(covered.sum()) == best == 7


def test_labeled_balls_start_covered() -> None:
    points = torch.tensor([[0.0], [0.1], [0.2], [0.3], [5.0], [5.1], [5.2], [9.0], [9.1]])
    graph = ball_graph(points, 1.0, max_edges=1000)
    selectable = torch.ones(9, dtype=torch.bool)
    selectable[1] = False
    picks, gains, _ = greedy_cover(graph, torch.tensor([1]), selectable, 2, torch.Generator())
    assert picks.tolist() == [4, 7]
    assert gains.tolist() == [3.0, 2.0]


@pytest.mark.parametrize("seed", range(6))
def test_each_greedy_pick_covers_the_most_and_the_cover_is_near_optimal(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    points = torch.rand(12, 2, generator=generator)
    labeled = torch.tensor([0])
    selectable = torch.ones(12, dtype=torch.bool)
    selectable[0] = False
    graph = ball_graph(points, 0.35, max_edges=1000)
    picks, gains, covered = greedy_cover(graph, labeled, selectable, 3, generator)
    balls = balls_of(points, 0.35)
    # The invariant: every pick covers as many new points as the best remaining candidate.
    done: set[int] = set(balls[0])
    picked: list[int] = []
    for pick, gain in zip(picks.tolist(), gains.tolist(), strict=True):
        best = max(len(balls[i] - done) for i in range(1, 12) if i not in picked)
        assert gain == len(balls[pick] - done) == best
        done |= balls[pick]
        picked.append(pick)
    assert set(torch.nonzero(covered).flatten().tolist()) == done
    # Greedy max coverage is within 1 - 1/e of the optimum (Nemhauser et al. 1978).
    optimum = max(
        coverage(balls, list(trio), set(balls[0]))
        for trio in itertools.combinations(range(1, 12), 3)
    )
    assert len(done) >= (1 - 1 / 2.718281828) * optimum
    assert len(done) <= optimum


def test_once_everything_is_covered_the_rest_is_drawn_at_random() -> None:
    points = torch.tensor([[0.0], [0.1], [5.0], [5.1]])
    graph = ball_graph(points, 1.0, max_edges=100)
    selectable = torch.ones(4, dtype=torch.bool)
    picks, gains, covered = greedy_cover(
        graph, torch.tensor([], dtype=torch.long), selectable, 3, torch.Generator().manual_seed(0)
    )
    assert picks[:2].tolist() == [0, 2]
    assert int(picks[2]) in (1, 3)
    assert gains.tolist() == [2.0, 2.0, 0.0]
    assert bool(covered.all())

import itertools

import pytest
import torch

from palsim.models import build_model
from palsim.strategies.coreset import CoresetStrategy, k_center_greedy, min_squared_distances
from tests.palsim.strategies.contexts import tiny_context


def cover_radius(points: torch.Tensor, centers: list[int]) -> float:
    """Largest distance from any point to its nearest center (explicit N x C matrix)."""
    return float(torch.cdist(points, points[centers]).min(dim=1).values.max())


def naive_k_center(points: torch.Tensor, labeled: list[int], k: int) -> list[int]:
    """Textbook k-center greedy with the full N x N distance matrix."""
    distances = torch.cdist(points, points)
    nearest = distances[:, labeled].min(dim=1).values
    nearest[labeled] = -1
    chosen = []
    for _ in range(k):
        index = int(nearest.argmax())
        chosen.append(index)
        nearest = torch.minimum(nearest, distances[:, index])
        nearest[index] = -1
    return chosen


def test_picks_the_far_points_on_a_line_first() -> None:
    points = torch.tensor([[0.0], [1.0], [2.0], [10.0], [5.0]])
    labeled = torch.tensor([True, False, False, False, False])
    chosen, radii = k_center_greedy(points, labeled, 2)
    assert chosen.tolist() == [3, 4]  # 10 is farthest from 0; then 5 (distance 5 to both)
    assert radii.tolist() == pytest.approx([10.0, 5.0])


def test_greedy_cover_is_within_twice_the_brute_force_optimum() -> None:
    generator = torch.Generator().manual_seed(0)
    for trial in range(4):
        points = torch.randn(10, 2, generator=generator, dtype=torch.float64)
        labeled = torch.zeros(10, dtype=torch.bool)
        labeled[trial] = True
        chosen, _ = k_center_greedy(points, labeled, 3)
        greedy = cover_radius(points, [trial, *chosen.tolist()])
        optimum = min(
            cover_radius(points, [trial, *extra])
            for extra in itertools.combinations([i for i in range(10) if i != trial], 3)
        )
        assert optimum <= greedy <= 2 * optimum + 1e-9


def test_matches_the_naive_n_by_n_implementation_on_random_data() -> None:
    generator = torch.Generator().manual_seed(1)
    points = torch.randn(200, 16, generator=generator, dtype=torch.float64)
    labeled = torch.zeros(200, dtype=torch.bool)
    labeled[:20] = True
    chosen, radii = k_center_greedy(points, labeled, 30)
    assert chosen.tolist() == naive_k_center(points, list(range(20)), 30)
    assert (radii[:-1] >= radii[1:]).all()
    assert not labeled[chosen].any() and len(set(chosen.tolist())) == 30


def test_chunking_gives_the_same_result_as_one_chunk() -> None:
    generator = torch.Generator().manual_seed(2)
    points = torch.randn(150, 8, generator=generator, dtype=torch.float64)
    centers = points[:13]
    whole = min_squared_distances(points, centers, chunk=10_000)
    assert torch.allclose(min_squared_distances(points, centers, chunk=4), whole)
    assert torch.allclose(whole, torch.cdist(points, centers).min(dim=1).values.square())
    labeled = torch.zeros(150, dtype=torch.bool)
    labeled[:13] = True
    one_chunk = k_center_greedy(points, labeled, 25, chunk=10_000)
    small_chunks = k_center_greedy(points, labeled, 25, chunk=7)
    assert one_chunk[0].tolist() == small_chunks[0].tolist()
    assert torch.allclose(one_chunk[1], small_chunks[1])


def test_never_picks_labeled_duplicates_and_refuses_too_many() -> None:
    points = torch.zeros(5, 3)  # every distance is zero
    labeled = torch.tensor([True, True, False, False, False])
    chosen, _ = k_center_greedy(points, labeled, 3)
    assert sorted(chosen.tolist()) == [2, 3, 4]
    with pytest.raises(ValueError, match="cannot pick 4 centers from 3 unlabeled points"):
        k_center_greedy(points, labeled, 4)


def test_strategy_returns_distinct_unlabeled_pool_positions() -> None:
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25]).eval()
    context = tiny_context(model)
    selection = CoresetStrategy({"chunk": "7"}).select(context, budget=6)
    assert len(set(selection.indices.tolist())) == 6
    assert set(selection.indices.tolist()) <= set(context.unlabeled.tolist())
    whole = CoresetStrategy().select(context, budget=6)
    assert selection.indices.tolist() == whole.indices.tolist()

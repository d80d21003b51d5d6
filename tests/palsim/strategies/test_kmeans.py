import pytest
import torch

from palsim.strategies.kmeans import kmeans, kmeans_plus_plus_seeds, nearest_centers


def blobs(sizes: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Points around (0, 0), (10, 0), (0, 10), ... with spread 0.5, and each point's blob."""
    generator = torch.Generator().manual_seed(seed)
    means = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    points = [
        means[b] + 0.5 * torch.randn(size, 2, generator=generator) for b, size in enumerate(sizes)
    ]
    labels = [torch.full((size,), b) for b, size in enumerate(sizes)]
    return torch.cat(points), torch.cat(labels)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_recovers_separable_blobs(seed: int) -> None:
    points, blob = blobs([30, 20, 10, 25], seed)
    clustering = kmeans(points, 4, torch.Generator().manual_seed(seed))
    # Each cluster is exactly one blob (a bijection between clusters and blobs).
    pairs = set(zip(clustering.assignments.tolist(), blob.tolist(), strict=True))
    assert len(pairs) == 4
    assert {cluster for cluster, _ in pairs} == {0, 1, 2, 3}
    for cluster, b in pairs:
        expected = points[blob == b].mean(dim=0)
        assert torch.allclose(clustering.centers[cluster], expected, atol=1e-5)
    assert clustering.iterations < 100  # converged: no point moved in the last round


def test_kmeans_is_a_function_of_the_generator_state() -> None:
    points, _ = blobs([15, 15, 15], seed=3)
    first = kmeans(points, 5, torch.Generator().manual_seed(4)).assignments
    again = kmeans(points, 5, torch.Generator().manual_seed(4)).assignments
    assert torch.equal(first, again)


def test_nearest_centers_in_chunks_equals_the_full_distance_matrix() -> None:
    generator = torch.Generator().manual_seed(5)
    points, centers = (
        torch.randn(37, 3, generator=generator),
        torch.randn(6, 3, generator=generator),
    )
    indices, squared = nearest_centers(points, centers, chunk=4)
    full = torch.cdist(points, centers)
    assert torch.equal(indices, full.argmin(dim=1))
    assert torch.allclose(squared, full.min(dim=1).values.square(), atol=1e-5)


def test_seeds_are_distinct_even_among_duplicates() -> None:
    points = torch.tensor([[0.0, 0.0]] * 5 + [[1.0, 1.0]])
    seeds = kmeans_plus_plus_seeds(points, 6, torch.Generator().manual_seed(0))
    assert sorted(seeds.tolist()) == list(range(6))
    with pytest.raises(ValueError, match="cannot seed 7 clusters from 6 points"):
        kmeans_plus_plus_seeds(points, 7, torch.Generator())


def test_an_emptied_cluster_is_reseeded_with_the_farthest_point() -> None:
    # Two seeds on one blob leave the far point alone in its cluster only after reseeding.
    points = torch.tensor([[0.0], [0.1], [0.2], [9.0]])
    clustering = kmeans(points, 2, torch.Generator().manual_seed(0))
    assert sorted(torch.bincount(clustering.assignments).tolist()) == [1, 3]
    assert clustering.assignments[3] != clustering.assignments[0]

import pytest
import torch

from palsim.strategies.typiclust import typicality, typiclust_select


def test_typicality_by_hand_on_a_line() -> None:
    points = torch.tensor([[0.0], [1.0], [3.0]])
    # Two neighbours: mean distances 2, 1.5 and 2.5.
    assert typicality(points, 2).tolist() == pytest.approx([1 / 2, 1 / 1.5, 1 / 2.5])
    # One neighbour: the nearest other point only (never the point itself).
    assert typicality(points, 1).tolist() == pytest.approx([1.0, 1.0, 1 / 2])
    # k is capped at n - 1: 20 neighbours of three points are two.
    assert typicality(points, 20).tolist() == pytest.approx([1 / 2, 1 / 1.5, 1 / 2.5])
    assert typicality(torch.tensor([[4.0]]), 20).tolist() == [0.0]


def test_typicality_in_chunks_equals_one_block() -> None:
    points = torch.randn(23, 4, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(typicality(points, 5, chunk=4), typicality(points, 5), rtol=1e-5)


def toy_clusters() -> tuple[torch.Tensor, torch.Tensor]:
    """Cluster 0: five points on a line at 0..4 (typicality peaks at 2); cluster 1: eight
    points at 20..27; cluster 2: three points (below the minimum size of 5)."""
    line = [*range(5), *range(20, 28), 50, 51, 52]
    points = torch.tensor(line, dtype=torch.float32)[:, None]
    assignments = torch.tensor([0] * 5 + [1] * 8 + [2] * 3)
    return points, assignments


def masks(labeled: list[int], count: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    labeled_mask = torch.zeros(count, dtype=torch.bool)
    labeled_mask[labeled] = True
    return labeled_mask, ~labeled_mask


def test_picks_the_most_typical_sample_of_the_largest_uncovered_cluster_first() -> None:
    points, assignments = toy_clusters()
    labeled, selectable = masks([5])  # cluster 1 (the largest) is covered by point 20
    chosen, scores = typiclust_select(points, assignments, labeled, selectable, 3)
    # 1. Cluster 0 (uncovered): point 2, mean distance to the 4 others (2+1+1+2)/4 = 1.5.
    # 2. Clusters 0 and 1 now hold one each: the larger, cluster 1; its centre 23 or 24
    #    (mean distance (3+2+1+1+2+3+4)/7 = 16/7, ties to the lower position: 23 = row 8).
    # 3. Cluster 0 again (one each, cluster 1 holds two): points 1 and 3 tie at 1.75 -> 1.
    assert chosen.tolist() == [2, 8, 1]
    assert scores.tolist() == pytest.approx([1 / 1.5, 7 / 16, 1 / 1.75])


def test_small_clusters_are_used_only_when_the_others_run_out() -> None:
    points, assignments = toy_clusters()
    labeled, selectable = masks(list(range(13)))  # clusters 0 and 1 fully labeled
    chosen, _ = typiclust_select(points, assignments, labeled, selectable, 2)
    assert chosen.tolist() == [14, 13]  # cluster 2's centre (51), then the lower of the tie
    with pytest.raises(ValueError, match="too few are unlabeled"):
        typiclust_select(points, assignments, labeled, selectable, 4)


def test_only_selectable_rows_are_picked() -> None:
    points, assignments = toy_clusters()
    labeled, selectable = masks([])
    selectable[2] = False  # cluster 0's most typical point may not be chosen
    chosen, _ = typiclust_select(points, assignments, labeled, selectable, 1)
    # Cluster 1 is the largest uncovered one.
    assert chosen.tolist() == [8]
    chosen, _ = typiclust_select(points, assignments, labeled, selectable, 2)
    assert chosen.tolist() == [8, 1]

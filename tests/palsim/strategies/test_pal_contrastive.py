"""The contrastive pretext's pure functions, on hand-made inputs with known values."""

from __future__ import annotations

import math

import pytest
import torch

from palsim.strategies.pal_contrastive import (
    TEMPERATURE,
    info_nce_loss,
    pair_logits,
    positive_pair_score,
    two_views,
)


def test_orthogonal_pairs_give_the_worked_loss() -> None:
    # a_i = b_i = e_i: the positive logit is 1/t, each of the N-1 negatives 0.
    n, e = 4, math.e
    features = torch.eye(n) * 3.0  # the scale must not matter (features are normalised)
    expected = -math.log(e / (e + n - 1))  # at temperature 1
    assert info_nce_loss(features, features, temperature=1.0).item() == pytest.approx(expected)
    assert torch.allclose(pair_logits(features, features), torch.eye(n) / TEMPERATURE)
    assert info_nce_loss(features, features).item() < 1e-5  # at 0.07 the pairs are certain


def test_swapped_pairs_cost_more_than_matched_ones() -> None:
    a, e = torch.eye(3), math.e
    swapped = a[[1, 0, 2]]
    # Rows (and columns) 0 and 1 put their positive at logit 0 and a negative at 1; 2 is right.
    expected = (2 * math.log(2 + e) + math.log((e + 2) / e)) / 3
    assert info_nce_loss(a, swapped, temperature=1.0).item() == pytest.approx(expected)
    assert info_nce_loss(a, swapped) > info_nce_loss(a, a)


def test_positive_pair_score_is_the_cosine_over_the_temperature() -> None:
    a = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    b = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    score = positive_pair_score(a, b)
    assert torch.allclose(score, torch.tensor([1.0, 0.0, -1.0]) / TEMPERATURE)
    assert torch.allclose(score, pair_logits(a, b).diagonal())
    with pytest.raises(ValueError, match=r"one shape \(N, D\), got \(3, 2\) and \(2, 2\)"):
        positive_pair_score(a, b[:2])


def test_two_views_differ_keep_the_shape_and_repeat_with_the_seed() -> None:
    images = torch.randint(
        0, 256, (8, 3, 12, 12), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    first = two_views(images, torch.Generator().manual_seed(1), pad=2)
    again = two_views(images, torch.Generator().manual_seed(1), pad=2)
    assert first[0].shape == (8, 3, 12, 12) and first[0].dtype == torch.float32
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    assert not torch.equal(first[0], first[1])
    assert float(first[0].min()) >= 0.0 and float(first[0].max()) <= 1.0


def test_a_view_without_shift_or_brightness_is_the_image_or_its_mirror() -> None:
    images = torch.randint(
        0, 256, (16, 1, 5, 7), dtype=torch.uint8, generator=torch.Generator().manual_seed(2)
    )
    view, _ = two_views(images, torch.Generator().manual_seed(3), pad=0, brightness=0.0)
    scaled = images.float() / 255.0
    same = (view == scaled).flatten(1).all(dim=1)
    mirrored = (view == scaled.flip(3)).flatten(1).all(dim=1)
    assert bool((same | mirrored).all()) and 0 < int(mirrored.sum()) < 16

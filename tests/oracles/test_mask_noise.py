"""Statistical tests of the noisy-mask models on many segments with a known answer."""

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from oracles import parse_masks
from oracles.mask_segments import IGNORE

#: Standard errors a realised rate may stray from its expectation (fails ~1 run in 16,000).
SIGMAS = 4.0


def squares(images: int, classes: int, seed: int, side: int = 5) -> np.ndarray:
    """Images of 4x4 isolated ``side``-pixel squares of random classes 1..classes-1."""
    pitch = side + 3
    rng = np.random.default_rng(seed)
    masks = np.zeros((images, 4 * pitch, 4 * pitch), dtype=np.int64)
    for row in range(4):
        for column in range(4):
            top, left = row * pitch + 1, column * pitch + 1
            labels = rng.integers(1, classes, size=images)
            masks[:, top : top + side, left : left + side] = labels[:, None, None]
    return masks


def square_classes(masks: np.ndarray, side: int = 5) -> np.ndarray:
    """The class at the centre of every square, (images, 16)."""
    pitch, middle = side + 3, 1 + side // 2
    centres = [r * pitch + middle for r in range(4)]
    return masks[:, centres][:, :, centres].reshape(len(masks), 16)


def assert_near(observed: float, probability: float, trials: int) -> None:
    spread = SIGMAS * np.sqrt(probability * (1 - probability) / trials)
    assert abs(observed - probability) <= spread, f"{observed:.4f} vs {probability} ({trials})"


def test_segment_flip_rate_and_uniform_wrong_classes() -> None:
    clean = squares(100, 5, seed=1)  # 1,600 segments of classes 1..4
    noisy, rates = parse_masks("segment-flip:0.3", 5).annotate(clean, np.random.default_rng(2))
    true, given = square_classes(clean).ravel(), square_classes(noisy).ravel()
    flipped = true != given
    assert rates["segment_flip_rate"] == flipped.mean() == rates["segment_error_rate"]
    assert_near(flipped.mean(), 0.3, true.size)
    # A flip goes to one of the 3 other object classes, each 1/3, never to the background.
    assert not np.any(given == 0)
    for wrong in range(1, 5):
        assert_near(
            float(np.mean(given[flipped & (true == 1)] == wrong)),
            0 if wrong == 1 else 1 / 3,
            int(np.sum(flipped & (true == 1))),
        )
    # Whole segments change: every pixel of a square carries its centre's class.
    assert np.array_equal(noisy > 0, clean > 0)


def test_segment_flip_follows_a_matrix(tmp_path: Path) -> None:
    matrix = np.array([[1, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0.9, 0.1], [0.5, 0, 0, 0.5]])
    np.savetxt(tmp_path / "t.csv", matrix, delimiter=",")
    oracle = parse_masks(f"segment-flip:1:matrix={tmp_path / 't.csv'}", 4)
    clean = squares(20, 4, seed=3)
    noisy, _ = oracle.annotate(clean, np.random.default_rng(4))
    true, given = square_classes(clean).ravel(), square_classes(noisy).ravel()
    # Off the diagonal, row 1 allows only 2, row 2 only 3, row 3 only the background.
    assert {c: int(np.unique(given[true == c]).item()) for c in (1, 2, 3)} == {1: 2, 2: 3, 3: 0}


def test_missed_rate_and_missed_segments_become_background() -> None:
    clean = squares(100, 4, seed=5)
    noisy, rates = parse_masks("missed:0.2", 4).annotate(clean, np.random.default_rng(6))
    true, given = square_classes(clean).ravel(), square_classes(noisy).ravel()
    missed = given == 0
    assert rates["missed_rate"] == missed.mean()
    assert_near(missed.mean(), 0.2, true.size)
    assert np.array_equal(given[~missed], true[~missed])
    assert np.all((noisy == clean) | (noisy == 0))


def test_boundary_widths_are_uniform_over_one_to_k_and_grow_or_shrink_evenly() -> None:
    side, k = 11, 3
    clean = squares(1200, 3, seed=7, side=side)[:, :13, :13]  # one square per image, room of 1
    clean = np.pad(clean, ((0, 0), (k, k), (k, k)))  # and room to grow by K on every side
    noisy, _ = parse_masks(f"boundary:{k}", 3).annotate(clean, np.random.default_rng(8))
    # Dilating a square by a disk of radius r widens it by 2r; eroding narrows it by 2r.
    widths = np.array([np.ptp(np.nonzero((image > 0).any(axis=0))[0]) + 1 for image in noisy])
    change = widths - side
    values, counts = np.unique(change, return_counts=True)
    assert set(values.tolist()) == {-6, -4, -2, 2, 4, 6}
    for count in counts:
        assert_near(count / len(change), 1 / 6, len(change))
    assert_near(float(np.mean(change > 0)), 0.5, len(change))
    assert np.all(noisy[noisy > 0] == clean.max(axis=(1, 2))[np.nonzero(noisy > 0)[0]])


def blobs(seed: int) -> np.ndarray:
    """Touching random blobs of classes 0..4 (smoothed noise), with an ignored corner."""
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.random((6, 48, 48, 5)), sigma=(0, 3, 3, 0))
    masks = field.argmax(axis=-1).astype(np.int64)
    masks[:, :6, :6] = IGNORE
    return masks


def test_boundary_changes_stay_within_k_of_the_true_boundary() -> None:
    clean, k = blobs(9), 3
    noisy, rates = parse_masks(f"boundary:{k}", 5).annotate(clean, np.random.default_rng(10))
    changed = noisy != clean
    assert rates["boundary_pixel_rate"] == changed.sum() / np.sum(clean != IGNORE) > 0
    distances = []
    for image, moved in zip(clean, changed, strict=True):
        # True boundary: pixels with a 4-neighbour of another label.
        edge = np.zeros(image.shape, dtype=bool)
        edge[1:] |= image[1:] != image[:-1]
        edge[:-1] |= image[:-1] != image[1:]
        edge[:, 1:] |= image[:, 1:] != image[:, :-1]
        edge[:, :-1] |= image[:, :-1] != image[:, 1:]
        distances.append(ndimage.distance_transform_edt(~edge)[moved])
    distance = np.concatenate(distances)
    assert distance.max() <= k and distance.mean() > 0
    assert np.any(distance >= 2)  # radii above 1 are used


def test_boundary_does_not_erode_from_the_image_border() -> None:
    clean = np.ones((40, 8, 8), dtype=np.int64)
    clean[:, 4:, 4:] = 0
    noisy, _ = parse_masks("boundary:2", 2).annotate(clean, np.random.default_rng(0))
    assert np.all(noisy[:, 0, :2] == 1) and np.all(noisy[:, :2, 0] == 1)  # far from the hole


@pytest.mark.parametrize("spec", ["segment-flip:0.5", "boundary:4", "missed:0.5"])
def test_ignored_pixels_are_untouched_and_never_created(spec: str) -> None:
    clean = blobs(11)
    combined = f"{spec}+missed:0.1" if not spec.startswith("missed") else f"{spec}+boundary:2"
    for model in (spec, combined):
        noisy, _ = parse_masks(model, 5).annotate(clean, np.random.default_rng(12))
        assert np.array_equal(noisy == IGNORE, clean == IGNORE)


def test_boundary_overlaps_resolve_by_a_random_painting_order() -> None:
    # Segment A (class 1) touches segment B (class 2) along a seam; look at B's pixel on it.
    clean = np.zeros((1000, 14, 16), dtype=np.int64)
    clean[:, 2:12, 2:8], clean[:, 2:12, 8:14] = 1, 2
    noisy, _ = parse_masks("boundary:1", 3).annotate(clean, np.random.default_rng(13))
    seam = noisy[:, 6, 8]
    # A covers it when A grows and B shrinks, or both grow and A is painted after B:
    # 1/2 (1/2 + 1/4); B keeps it when B grows and A does not cover it: 1/2 (1 - 1/4);
    # nobody covers it (background) when B shrinks and A does not grow: 1/4.
    for value, probability in ((1, 0.375), (2, 0.375), (0, 0.25)):
        assert_near(float(np.mean(seam == value)), probability, len(seam))

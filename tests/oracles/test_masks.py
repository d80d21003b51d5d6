"""The mask oracle: its spec language, realised rates, composition order, ignored pixels."""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import MASK_FORMS, parse_masks
from oracles.mask_segments import IGNORE, find_segments


def scene() -> np.ndarray:
    """Two 20x20 masks: a class-1 square, a class-2 bar, a class-3 blob; an ignored border."""
    masks = np.zeros((2, 20, 20), dtype=np.int64)
    masks[:, 3:9, 3:9] = 1
    masks[:, 10:15, 2:18] = 2
    masks[1, 2:6, 12:17] = 3
    masks[:, 0, :] = IGNORE
    masks[:, 9, 3:9] = IGNORE  # touches the square: boundary noise must not paint over it
    return masks


@pytest.mark.parametrize(("form", "example", "meaning"), MASK_FORMS)
def test_every_listed_example_parses_and_keeps_ignored_pixels(
    form: str, example: str, meaning: str
) -> None:
    oracle = parse_masks(example, 4)
    noisy, rates = oracle.annotate(scene(), np.random.default_rng(3))
    assert noisy.dtype == np.int64 and noisy.shape == scene().shape
    assert np.array_equal(noisy == IGNORE, scene() == IGNORE)
    assert rates["pixels"] == 2 * 19 * 20 - 2 * 6 and rates["segments"] == 5
    assert meaning and oracle.spec == example


def test_perfect_returns_the_true_masks_and_zero_rates() -> None:
    noisy, rates = parse_masks("perfect", 4).annotate(scene(), np.random.default_rng(0))
    assert np.array_equal(noisy, scene())
    assert [rates[key] for key in ("pixel_error_rate", "segment_error_rate")] == [0.0, 0.0]


def test_rates_worked_by_hand() -> None:
    # One 4x4 image: a 2x2 class-1 segment, 4 ignored pixels, 8 background pixels.
    mask = np.zeros((1, 4, 4), dtype=np.int64)
    mask[0, :2, :2] = 1
    mask[0, 3, :] = IGNORE
    noisy, rates = parse_masks("segment-flip:1", 3).annotate(mask, np.random.default_rng(0))
    assert np.array_equal(noisy[0, :2, :2], np.full((2, 2), 2))  # the only other class
    assert rates == {
        "pixel_error_rate": 4 / 12,
        "segment_error_rate": 1.0,
        "segment_flip_rate": 1.0,
        "boundary_pixel_rate": 0.0,
        "missed_rate": 0.0,
        "pixels": 12.0,
        "segments": 1.0,
    }


def test_segments_are_four_connected() -> None:
    diagonal = np.array([[[1, 0], [0, 1]]])
    edge = np.array([[[1, 1], [0, 0]]])
    assert find_segments(diagonal, 0).count == 2
    assert find_segments(edge, 0).count == 1
    assert find_segments(np.concatenate([edge, edge]), 0).count == 2  # never across images


def test_models_apply_left_to_right_each_to_the_previous_output() -> None:
    spec = "segment-flip:0.5+boundary:2+missed:0.3"
    together, _ = parse_masks(spec, 4).annotate(scene(), np.random.default_rng(7))
    rng = np.random.default_rng(7)
    one_by_one = scene()
    for part in spec.split("+"):
        one_by_one, _ = parse_masks(part, 4).annotate(one_by_one, rng)
    assert np.array_equal(together, one_by_one)


def test_a_later_model_sees_only_what_the_earlier_ones_left() -> None:
    rng = np.random.default_rng(0)
    _, missed_first = parse_masks("missed:1+segment-flip:1", 4).annotate(scene(), rng)
    _, flipped_first = parse_masks("segment-flip:1+missed:1", 4).annotate(scene(), rng)
    assert (missed_first["missed_rate"], missed_first["segment_flip_rate"]) == (1.0, 0.0)
    assert (flipped_first["missed_rate"], flipped_first["segment_flip_rate"]) == (1.0, 1.0)


def test_background_is_a_parameter() -> None:
    masks = np.full((1, 6, 6), 2, dtype=np.int64)
    masks[0, 1:3, 1:3] = 0  # class 0 is an object here; class 2 is the background
    noisy, rates = parse_masks("missed:1", 3, background=2).annotate(
        masks, np.random.default_rng(0)
    )
    assert np.all(noisy == 2) and rates["segments"] == 1


def test_without_a_background_class_every_class_is_a_segment_and_misses_become_ignored() -> None:
    # Cityscapes-like: classes 0..2 all objects, background=255.
    masks = np.zeros((1, 8, 8), dtype=np.int64)
    masks[0, :, 4:] = 1
    masks[0, 6:, :] = 2
    masks[0, 0, 0] = IGNORE
    rng = np.random.default_rng(0)
    missed, rates = parse_masks("missed:1", 3, background=IGNORE).annotate(masks, rng)
    assert np.all(missed == IGNORE) and rates["segments"] == 3 and rates["pixel_error_rate"] == 1
    flipped, _ = parse_masks("segment-flip:1", 2, background=IGNORE).annotate(masks[:, :6], rng)
    assert np.array_equal(flipped[0, 1:], 1 - masks[0, 1:6])  # 0 <-> 1, never 255
    shrunk, _ = parse_masks("boundary:1", 3, background=IGNORE).annotate(masks, rng)
    assert IGNORE in shrunk[shrunk != masks]  # an eroded edge that no neighbour covered


def test_same_rng_same_answer() -> None:
    oracle = parse_masks("segment-flip:0.5+boundary:3+missed:0.2", 4)
    first = oracle.annotate(scene(), np.random.default_rng(11))
    second = oracle.annotate(scene(), np.random.default_rng(11))
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]


@pytest.mark.parametrize(
    ("spec", "classes", "message"),
    [
        ("", 4, "a model is missing .an empty spec or a stray '.'."),
        ("noisy:0.2", 4, "unknown mask model 'noisy'"),
        ("segment-flip", 4, r"a probability P in \[0, 1\] is missing"),
        ("segment-flip:1.5", 4, r"'1.5' is outside \[0, 1\]"),
        ("segment-flip:0.2", 2, "segment-flip needs at least two classes besides the background"),
        ("segment-flip:0.2:matrix=", 4, "matrix= needs a file path"),
        ("segment-flip:0.2:matrix=none.csv", 4, "cannot read 'none.csv'"),
        ("segment-flip:0.2:uniform", 4, "unknown segment-flip option 'uniform'"),
        ("boundary:0", 4, r"boundary radius K 0 must lie in 1\.\.64"),
        ("boundary:1.5", 4, "boundary radius K '1.5' is not a whole number"),
        ("missed:x", 4, "'x' is not a number"),
        ("perfect+missed:0.1", 4, "perfect cannot be combined with other models"),
        ("missed:0.1+missed:0.2", 4, "missed is given twice"),
        ("boundary:2+", 4, "a model is missing"),
    ],
)
def test_bad_specs_name_the_problem_and_the_valid_forms(
    spec: str, classes: int, message: str
) -> None:
    with pytest.raises(
        ValueError, match=f"bad mask oracle spec {re.escape(repr(spec))}: {message}"
    ) as error:
        parse_masks(spec, classes)
    assert str(error.value).endswith("MODEL+MODEL") and "\n" not in str(error.value)


def test_a_matrix_row_without_a_wrong_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    np.savetxt(path, np.eye(3), delimiter=",")
    with pytest.raises(ValueError, match=r"matrix row 1 \(true class 1\) has no wrong class"):
        parse_masks(f"segment-flip:0.2:matrix={path}", 3)


@pytest.mark.parametrize(
    ("classes", "background", "message"),
    [
        (1, 0, r"needs 2\.\.255 classes, got 1"),
        (4, 4, r"background class 4 is not in 0\.\.3 \(or 255: none\)"),
    ],
)
def test_bad_class_counts(classes: int, background: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_masks("perfect", classes, background)


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        (np.zeros((4, 4), dtype=np.int64), r"must be an integer array \(n, H, W\)"),
        (np.zeros((1, 4, 4)), "must be an integer array"),
        (np.full((1, 4, 4), 4), r"mask values must lie in 0\.\.3 or be 255"),
        (np.full((1, 4, 4), -1), "mask values must lie in"),
    ],
)
def test_bad_masks(masks: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_masks("missed:0.5", 4).annotate(masks, np.random.default_rng(0))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="segmnt-flipboudarysd:+.0123=/x", max_size=40))
def test_any_string_parses_or_raises_value_error(text: str) -> None:
    try:
        parse_masks(text, 5)
    except ValueError as error:
        assert str(error).startswith("bad mask oracle spec")

"""Instance-dependent noise (idn:P, confusion:P) on synthetic per-sample inputs: numpy only."""

from __future__ import annotations

import numpy as np
import pytest

import oracles
from oracles.confusion import scaled_flip_rates
from oracles.idn import truncated_normal
from oracles.instance import keyed_uniforms, wrong_from_scores

K = 10
N = 20_000


def synthetic_inputs(seed: int = 0) -> dict[str, np.ndarray]:
    """8x8 'images' (a prototype per class plus pixel noise, so images of a class look alike),
    labels, and reference probabilities peaked on class y+1."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, N)
    prototypes = rng.integers(60, 196, (K, 64))
    images = (prototypes[labels] + rng.integers(-60, 60, (N, 64))).astype(np.uint8)
    reference = rng.dirichlet(np.ones(K), N)
    reference[np.arange(N), (labels + 1) % K] += 3.0 * rng.random(N)
    reference[np.arange(N), labels] += 4.0 * rng.random(N)
    reference /= reference.sum(axis=1, keepdims=True)
    return {"train-labels": labels, "train-images": images, "reference-probabilities": reference}


def supplied(spec: str, noise_seed: int = 0) -> oracles.Oracle:
    oracle = oracles.parse(spec, K)
    inputs = synthetic_inputs()
    oracle.supply({want.name: inputs[want.name] for want in oracle.sample_inputs()}, noise_seed)
    return oracle


def test_keyed_uniforms_depend_on_seed_stream_and_item_only() -> None:
    items = np.arange(50_000)
    draws = keyed_uniforms(7, 0, items)
    assert np.array_equal(keyed_uniforms(7, 0, items[::-1]), draws[::-1])
    assert np.array_equal(keyed_uniforms(7, 0, np.array([123])), draws[[123]])
    assert not np.array_equal(keyed_uniforms(8, 0, items), draws)
    assert not np.array_equal(keyed_uniforms(7, 1, items), draws)
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert np.histogram(draws, bins=10, range=(0, 1))[0].min() > 4_700  # 5,000 expected


def test_truncated_normal_stays_in_the_unit_interval_around_its_mean() -> None:
    values = truncated_normal(0.3, 0.1, 100_000, np.random.default_rng(0))
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert abs(values.mean() - 0.3) < 0.002 and abs(values.std() - 0.1) < 0.003


@pytest.mark.parametrize("spec", ["idn:0.3", "confusion:0.3"])
def test_realised_rate_is_within_three_points_of_p(spec: str) -> None:
    oracle = supplied(spec)
    labels = synthetic_inputs()["train-labels"]
    reply = oracle.annotate(np.arange(N), labels, np.random.default_rng(0))
    assert abs(np.mean(reply.labels != labels) - 0.3) < 0.03
    assert reply.cost == N and reply.annotators is None


@pytest.mark.parametrize("spec", ["idn:0.3", "confusion:0.3"])
def test_wrong_labels_of_one_class_are_not_uniform_and_vary_by_image(spec: str) -> None:
    oracle = supplied(spec)
    labels = synthetic_inputs()["train-labels"]
    answers = oracle.annotate(np.arange(N), labels, np.random.default_rng(0)).labels
    of_class = (labels == 3) & (answers != 3)
    counts = np.bincount(answers[of_class], minlength=K)[np.arange(K) != 3]
    expected = counts.sum() / (K - 1)
    assert ((counts - expected) ** 2 / expected).sum() > 50  # chi-square, 8 d.o.f.: p << 1e-6
    # Different images of one class go wrong towards different classes.
    assert len(np.unique(answers[of_class])) >= 3


def test_confusion_flips_hard_images_more_as_its_rates_say() -> None:
    inputs = synthetic_inputs()
    labels, reference = inputs["train-labels"], inputs["reference-probabilities"]
    oracle = supplied("confusion:0.3")
    answers = oracle.annotate(np.arange(N), labels, np.random.default_rng(0)).labels
    hardness = 1 - reference[np.arange(N), labels]
    expected = scaled_flip_rates(hardness, 0.3)
    hard = hardness > np.median(hardness)
    flipped_hard, flipped_easy = (
        np.mean(answers[hard] != labels[hard]),
        np.mean(answers[~hard] != labels[~hard]),
    )
    assert flipped_hard > 1.5 * flipped_easy
    assert abs(flipped_hard - expected[hard].mean()) < 0.015  # 3 standard errors
    assert abs(flipped_easy - expected[~hard].mean()) < 0.015
    # Wrong answers follow the reference: class y+1 was made the likeliest wrong class.
    wrong = answers != labels
    assert np.mean(answers[wrong] == (labels[wrong] + 1) % K) > 0.4


def test_the_same_sample_gets_the_same_answer_whatever_was_asked_before() -> None:
    labels = synthetic_inputs()["train-labels"]
    first, second = supplied("idn:0.3"), supplied("idn:0.3")
    a = first.annotate(np.arange(0, 400), labels[:400], np.random.default_rng(1)).labels
    order = np.random.default_rng(5).permutation(800)
    b = second.annotate(order, labels[order], np.random.default_rng(99)).labels
    assert np.array_equal(b[np.argsort(order)][:400], a)
    other_seed = supplied("idn:0.3", noise_seed=1)
    c = other_seed.annotate(np.arange(0, 400), labels[:400], np.random.default_rng(1)).labels
    assert not np.array_equal(a, c)


def test_realised_transition_matrix_counts_the_fixed_answers() -> None:
    oracle = supplied("idn:0.2")
    labels = synthetic_inputs()["train-labels"]
    answers = oracle.annotate(np.arange(N), labels, np.random.default_rng(0)).labels
    matrix = oracle.transition_matrix()
    assert np.allclose(matrix.sum(axis=1), 1.0)
    assert matrix[4, 7] == pytest.approx(np.mean(answers[labels == 4] == 7))


def test_scaled_flip_rates_average_exactly_p_and_follow_hardness() -> None:
    hardness = np.random.default_rng(0).random(10_000) ** 3
    rates = scaled_flip_rates(hardness, 0.3)
    assert rates.mean() == pytest.approx(0.3, abs=1e-9)
    assert rates.max() == 1.0  # the hardest are clipped
    assert np.all(np.diff(rates[np.argsort(hardness)]) >= 0)
    assert np.all(scaled_flip_rates(hardness, 0.0) == 0)
    assert np.all(scaled_flip_rates(np.zeros(5), 0.2) == 0.2)


def test_wrong_from_scores_masks_the_true_class() -> None:
    wrong = wrong_from_scores(np.array([[0.5, 0.3, 0.2], [1.0, 0.0, 0.0]]), np.array([0, 0]))
    assert np.allclose(wrong, [[0.0, 0.6, 0.4], [0.0, 0.5, 0.5]])


def test_asking_before_the_inputs_are_supplied_is_an_error() -> None:
    oracle = oracles.parse("idn:0.2", K)
    assert [want.name for want in oracle.sample_inputs()] == ["train-labels", "train-images"]
    with pytest.raises(RuntimeError, match="needs its per-sample inputs"):
        oracle.annotate(np.arange(3), np.zeros(3, dtype=np.int64), np.random.default_rng(0))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("idn:1.5", "'1.5' is outside [0, 1]"),
        ("idn", "a probability P in [0, 1] is missing"),
        ("confusion:0.2:depth=3", "unknown confusion option 'depth=3'; options: model=M, train=N"),
        ("confusion:0.2:train=0", "train 0 must lie in 1..10000000"),
        ("confusion:0.2:train=5:train=6", "option train is given twice"),
    ],
)
def test_bad_instance_specs_name_the_problem(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match="bad oracle spec") as error:
        oracles.parse(spec, K)
    assert message in str(error.value)


def test_confusion_passes_its_reference_settings_on() -> None:
    oracle = oracles.parse("confusion:0.2:train=500:model=small-cnn", K)
    wanted = {want.name: dict(want.options) for want in oracle.sample_inputs()}
    assert wanted["reference-probabilities"] == {"model": "small-cnn", "train": "500"}

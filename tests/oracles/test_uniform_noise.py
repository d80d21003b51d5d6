from typing import Any

import numpy as np
import pytest

import oracles
from oracles.uniform import uniform_matrix


def test_perfect_oracle_returns_the_true_labels() -> None:
    oracle = oracles.parse("perfect", 4)
    true = np.array([3, 0, 2, 2, 1])
    reply = oracle.annotate(np.arange(5), true, np.random.default_rng(0))
    assert reply.labels.tolist() == true.tolist()
    np.testing.assert_array_equal(oracle.transition_matrix(), np.eye(4))


def test_noisy_matrix_is_exact() -> None:
    matrix = oracles.parse("noisy:0.3", 4).transition_matrix()
    np.testing.assert_allclose(np.diag(matrix), 0.7)
    np.testing.assert_allclose(matrix[~np.eye(4, dtype=bool)], 0.1)


@pytest.mark.parametrize("classes", [3, 10])
def test_noisy_flips_never_return_the_true_class_and_are_uniform_over_the_others(
    classes: int, empirical_counts: Any, assert_matches_matrix: Any
) -> None:
    # With p = 1 every answer is a flip, so the whole confusion is the flip distribution.
    counts = empirical_counts(oracles.parse("noisy:1", classes), 6000, seed=1)
    assert np.all(np.diag(counts) == 0)
    flip = np.full((classes, classes), 1 / (classes - 1))
    np.fill_diagonal(flip, 0.0)
    assert_matches_matrix(counts, flip)


@pytest.mark.parametrize(
    ("spec", "classes"),
    [("noisy:0.2", 10), ("uniform:0.4", 2), ("uniform-all:0.3", 5), ("uniform-all:1", 4)],
)
def test_empirical_confusion_matches_transition_matrix(
    spec: str, classes: int, empirical_counts: Any, assert_matches_matrix: Any
) -> None:
    oracle = oracles.parse(spec, classes)
    assert_matches_matrix(empirical_counts(oracle, 10_000, seed=2), oracle.transition_matrix())


def test_uniform_all_flips_less_than_its_rate(empirical_counts: Any) -> None:
    # The PAL authors' variant redraws over all K classes: effective flip rate p(K-1)/K.
    matrix = oracles.parse("uniform-all:0.2", 10).transition_matrix()
    assert 1 - np.mean(np.diag(matrix)) == pytest.approx(0.2 * 9 / 10)
    np.testing.assert_allclose(matrix, uniform_matrix(10, 0.2, include_true=True))
    counts = empirical_counts(oracles.parse("uniform-all:0.2", 10), 10_000, seed=3)
    assert 1 - np.trace(counts) / counts.sum() == pytest.approx(0.18, abs=0.004)


def test_noisy_and_uniform_are_the_same_model() -> None:
    true = np.arange(1000) % 7
    a = oracles.parse("noisy:0.3", 7).annotate(np.arange(1000), true, np.random.default_rng(5))
    b = oracles.parse("uniform:0.3", 7).annotate(np.arange(1000), true, np.random.default_rng(5))
    assert a.labels.tolist() == b.labels.tolist()

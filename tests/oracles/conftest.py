"""Statistical helpers shared by the oracle tests, as fixtures."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from oracles import Oracle


def empirical_counts(oracle: Oracle, per_class: int, seed: int) -> np.ndarray:
    """Ask about ``per_class`` fresh items of every class; count (true, answer) pairs."""
    k = oracle.num_classes
    true = np.repeat(np.arange(k), per_class)
    reply = oracle.annotate(np.arange(len(true)), true, np.random.default_rng(seed))
    counts = np.zeros((k, k))
    np.add.at(counts, (true, reply.labels), 1)
    return counts


def assert_matches_matrix(counts: np.ndarray, matrix: np.ndarray, sigmas: float = 5.0) -> None:
    """Every empirical P(answer | true) lies within ``sigmas`` standard errors of ``matrix``.

    A zero-probability entry must never be observed (its tolerance is zero).
    """
    totals = counts.sum(axis=1, keepdims=True)
    empirical = counts / totals
    tolerance = sigmas * np.sqrt(matrix * (1 - matrix) / totals) + 1e-12
    gap = np.abs(empirical - matrix)
    worst = np.unravel_index(np.argmax(gap - tolerance), gap.shape)
    assert np.all(gap <= tolerance), (
        f"entry {worst}: empirical {empirical[worst]:.4f} vs expected {matrix[worst]:.4f}"
    )


@pytest.fixture(name="empirical_counts")
def empirical_counts_fixture() -> Callable[[Oracle, int, int], np.ndarray]:
    return empirical_counts


@pytest.fixture(name="assert_matches_matrix")
def assert_matches_matrix_fixture() -> Callable[..., None]:
    return assert_matches_matrix

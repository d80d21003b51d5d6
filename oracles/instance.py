"""Instance-dependent label noise: each training sample has its own flip rate and its own
distribution over wrong classes, so which wrong label is given, and how often, depends on the
image.

A model computes, from per-sample inputs the engine supplies (:class:`SampleInput`), two
arrays over the whole training split: ``flip_rates[i]`` = P(wrong answer for sample i) and
``wrong[i]`` = P(answer j | sample i answered wrongly), zero at the true class. Sample i's
answer is then drawn from two uniforms keyed by (noise seed, i) alone, so the same image gets
the same answer in every run of a noise seed, whatever was asked before it or in which cycle.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from oracles.base import Annotation, Oracle
from oracles.classcond import cumulative_rows

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective scramble of 64-bit integers (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = values + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def keyed_uniforms(seed: int, stream: int, items: np.ndarray) -> np.ndarray:
    """One uniform in [0, 1) per item, a function of (seed, stream, item) only.

    A counter-based generator: no state is carried, so the draw for an item does not depend on
    which items were drawn before it.
    """
    key = _mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
    key = _mix(key ^ np.uint64(stream & 0xFFFFFFFF))
    bits = _mix(key ^ np.asarray(items, dtype=np.int64).astype(np.uint64))
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


def keyed_answers(
    seed: int,
    stream: int,
    items: np.ndarray,
    true_labels: np.ndarray,
    flip_rates: np.ndarray,
    wrong: np.ndarray,
) -> np.ndarray:
    """Answers for ``items``: wrong with probability ``flip_rates``, then drawn from ``wrong``.

    ``flip_rates`` and ``wrong`` are the items' own rows; streams ``2 * stream`` and
    ``2 * stream + 1`` drive the flip and the wrong class.
    """
    flip = keyed_uniforms(seed, 2 * stream, items) < flip_rates
    choice = keyed_uniforms(seed, 2 * stream + 1, items)
    drawn = (cumulative_rows(wrong) <= choice[:, None]).sum(axis=1)
    return np.where(flip, drawn, true_labels).astype(np.int64)


def wrong_from_scores(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-sample distributions over the wrong classes: ``scores`` (non-negative, ``(N, K)``)
    with the true class zeroed and each row normalised; an all-zero row becomes uniform."""
    wrong = np.array(scores, dtype=np.float64)
    wrong[np.arange(len(labels)), labels] = 0.0
    totals = wrong.sum(axis=1, keepdims=True)
    uniform = np.ones_like(wrong)
    uniform[np.arange(len(labels)), labels] = 0.0
    uniform /= wrong.shape[1] - 1
    return np.where(totals > 0, wrong / np.where(totals > 0, totals, 1.0), uniform)


class InstanceNoiseOracle(Oracle):
    """A single annotator whose errors depend on the sample (see the module docstring).

    Subclasses turn the supplied inputs into ``flip_rates`` and ``wrong`` in :meth:`_build`.
    """

    def __init__(self, spec: str, num_classes: int, rate: float) -> None:
        super().__init__(spec, num_classes)
        self.rate = rate
        self._answers_by_item: np.ndarray | None = None
        self._labels: np.ndarray | None = None

    def supply(self, inputs: dict[str, np.ndarray], noise_seed: int) -> None:
        labels = np.asarray(inputs["train-labels"], dtype=np.int64)
        flip_rates, wrong = self._build(inputs, labels, noise_seed)
        items = np.arange(len(labels))
        self._labels = labels
        self._answers_by_item = keyed_answers(noise_seed, 0, items, labels, flip_rates, wrong)

    @abstractmethod
    def _build(
        self, inputs: dict[str, np.ndarray], labels: np.ndarray, noise_seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(flip_rates, wrong)`` over the training split, from the supplied inputs."""

    def _fixed_answers(self) -> tuple[np.ndarray, np.ndarray]:
        if self._answers_by_item is None or self._labels is None:
            raise RuntimeError(f"oracle {self.spec!r} needs its per-sample inputs (supply())")
        return self._answers_by_item, self._labels

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        answers, labels = self._fixed_answers()
        if indices.min(initial=0) < 0 or indices.max(initial=-1) >= len(answers):
            raise ValueError(f"item index outside the {len(answers)} training samples")
        if np.any(labels[indices] != true_labels):
            raise ValueError("true labels disagree with the supplied training labels")
        return self.single_reply(indices, answers[indices].copy())

    def transition_matrix(self) -> np.ndarray:
        """The realised ``T[true, given]``: this noise seed's answers over the training split."""
        answers, labels = self._fixed_answers()
        k = self.num_classes
        counts = np.zeros((k, k))
        np.add.at(counts, (labels, answers), 1.0)
        totals = counts.sum(axis=1, keepdims=True)
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), np.eye(k))

"""The perfect oracle and uniform label noise (``noisy:p`` / ``uniform:p``)."""

from __future__ import annotations

import numpy as np

from oracles.base import Annotation, Oracle


class PerfectOracle(Oracle):
    """Always answers the true class."""

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        labels = true_labels.copy()
        answers = self.single_answers(indices, labels)
        return Annotation(labels, None, answers, cost=float(len(labels)))

    def transition_matrix(self) -> np.ndarray:
        return np.eye(self.num_classes)


class UniformNoiseOracle(Oracle):
    """Wrong with probability ``p``; a wrong answer is uniform over the other K-1 classes.

    With ``include_true=True`` (the PAL authors' code), the replacement is drawn over all K
    classes, so the true class can come back and the effective flip rate is ``p (K-1) / K``.
    """

    def __init__(self, spec: str, num_classes: int, p: float, include_true: bool = False) -> None:
        super().__init__(spec, num_classes)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"noise rate must lie in [0, 1], got {p}")
        self.p = p
        self.include_true = include_true

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        k = self.num_classes
        flip = rng.random(len(true_labels)) < self.p
        if self.include_true:
            replacement = rng.integers(0, k, size=len(true_labels))
        else:
            # An offset in 1..K-1 added mod K is uniform over the other classes.
            replacement = (true_labels + rng.integers(1, k, size=len(true_labels))) % k
        labels = np.where(flip, replacement, true_labels).astype(np.int64)
        answers = self.single_answers(indices, labels)
        return Annotation(labels, None, answers, cost=float(len(labels)))

    def transition_matrix(self) -> np.ndarray:
        k = self.num_classes
        if self.include_true:
            return np.full((k, k), self.p / k) + np.eye(k) * (1.0 - self.p)
        return np.full((k, k), self.p / (k - 1)) + np.eye(k) * (1.0 - self.p - self.p / (k - 1))

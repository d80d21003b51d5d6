"""The perfect oracle and uniform label noise (``noisy:p`` = ``uniform:p``, ``uniform-all:p``).

``noisy:p``: each answer is wrong with probability ``p``, the wrong label uniform over the
other K-1 classes, so ``T = (1-p) I + p/(K-1) (1 - I)``. ``uniform-all:p`` (the PAL authors'
code): with probability ``p`` the answer is redrawn uniformly over all K classes, so the true
class can come back and the effective flip rate is ``p (K-1) / K``.
"""

from __future__ import annotations

import numpy as np

from oracles.base import Annotation, Oracle


class PerfectOracle(Oracle):
    """Always answers the true class."""

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        labels = true_labels.copy()
        return self.single_reply(indices, labels)

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
        return self.single_reply(indices, labels)

    def transition_matrix(self) -> np.ndarray:
        return uniform_matrix(self.num_classes, self.p, self.include_true)


def uniform_matrix(num_classes: int, p: float, include_true: bool = False) -> np.ndarray:
    """``T[true, given]`` of uniform noise at rate ``p`` (see :class:`UniformNoiseOracle`)."""
    k = num_classes
    if include_true:
        return np.full((k, k), p / k) + np.eye(k) * (1.0 - p)
    return np.full((k, k), p / (k - 1)) + np.eye(k) * (1.0 - p - p / (k - 1))

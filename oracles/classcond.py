"""Class-conditional label noise: a K x K transition matrix ``T[true, given]``.

Each answer for an item of true class ``i`` is drawn from row ``T[i]``, independently of the
item itself. Built-in matrices: pair flips (``pair:p``, class i answered as i+1 mod K) and
the CIFAR-10 asymmetric map (``cifar10-asym:p``); any matrix can come from a file
(``matrix:PATH``, rows = true class, each row summing to 1).
"""

from __future__ import annotations

import numpy as np

from oracles.base import Annotation, Oracle
from oracles.files import read_matrix

#: CIFAR-10 class order (torchvision and the original batches).
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

#: The asymmetric map of Patrini et al. 2017 (arXiv 1609.03683): true -> given.
CIFAR10_ASYMMETRIC_MAP = {
    "truck": "automobile",
    "bird": "airplane",
    "deer": "horse",
    "cat": "dog",
    "dog": "cat",
}

#: How far a row sum may stray from 1 before the matrix is rejected.
ROW_SUM_TOLERANCE = 1e-6


def pair_matrix(num_classes: int, p: float) -> np.ndarray:
    """Class i stays i with probability 1-p and becomes i+1 mod K with probability p."""
    identity = np.eye(num_classes)
    return (1.0 - p) * identity + p * np.roll(identity, 1, axis=1)


def cifar10_asymmetric_matrix(p: float) -> np.ndarray:
    """The CIFAR-10 asymmetric map: each mapped class flips to its partner with probability p.

    Classes outside the map (automobile, airplane, frog, horse, ship) are never flipped, so the
    average flip rate over the ten classes is ``p / 2``.
    """
    matrix = np.eye(len(CIFAR10_CLASSES))
    for source, target in CIFAR10_ASYMMETRIC_MAP.items():
        i, j = CIFAR10_CLASSES.index(source), CIFAR10_CLASSES.index(target)
        matrix[i, i], matrix[i, j] = 1.0 - p, p
    return matrix


def check_transition_matrix(matrix: np.ndarray, num_classes: int, source: str) -> np.ndarray:
    """Validate a ``T[true, given]`` matrix for K classes; return it with rows summing to 1.

    Raises ValueError naming ``source`` and, for a bad row, the row (= true class).
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != (num_classes, num_classes):
        shape = "x".join(str(n) for n in matrix.shape) or "a scalar"
        raise ValueError(
            f"{source} is {shape} but the dataset has {num_classes} classes "
            f"(needs {num_classes}x{num_classes}, rows = true class)"
        )
    for row, values in enumerate(matrix):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"{source} row {row} (true class {row}) has a negative or NaN entry")
        total = float(values.sum())
        if abs(total - 1.0) > ROW_SUM_TOLERANCE:
            raise ValueError(f"{source} row {row} (true class {row}) sums to {total:.6g}, not 1")
    return matrix / matrix.sum(axis=1, keepdims=True)


def load_transition_matrix(path: str, num_classes: int) -> np.ndarray:
    """Read and validate a matrix file (.csv, .npy or .json)."""
    return check_transition_matrix(read_matrix(path), num_classes, f"matrix file {path!r}")


def cumulative_rows(matrix: np.ndarray) -> np.ndarray:
    """Row-wise cumulative sums with an exact 1 at the end, for :func:`draw_from_rows`."""
    cumulative = np.cumsum(matrix, axis=-1)
    cumulative[..., -1] = 1.0
    return cumulative


def draw_from_rows(bounds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One class per row of ``bounds`` (shape ``(..., K)``, rows of :func:`cumulative_rows`).

    Returns an int64 array of shape ``bounds.shape[:-1]``.
    """
    uniform = rng.random(bounds.shape[:-1])
    # The drawn class is the number of cumulative bounds at or below the uniform draw.
    return (bounds <= uniform[..., None]).sum(axis=-1).astype(np.int64)


class TransitionMatrixOracle(Oracle):
    """Answers an item of true class i with class j with probability ``T[i, j]``."""

    def __init__(self, spec: str, num_classes: int, matrix: np.ndarray) -> None:
        super().__init__(spec, num_classes)
        self.matrix = check_transition_matrix(matrix, num_classes, "transition matrix")
        self._cumulative = cumulative_rows(self.matrix)

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        labels = draw_from_rows(self._cumulative[true_labels], rng)
        return self.single_reply(indices, labels)

    def transition_matrix(self) -> np.ndarray:
        return self.matrix.copy()

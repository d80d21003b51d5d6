"""The noisy-mask models: one step each, applied to a stack of masks (n, H, W).

Every step finds the segments of the masks it receives (``oracles.mask_segments``), draws
its noise from the ``rng`` it is given, and returns the changed masks with a count of what
it changed, out of how many. ``oracles.masks`` composes steps and turns counts into rates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from oracles.classcond import cumulative_rows, draw_from_rows
from oracles.mask_segments import find_segments


@dataclass(frozen=True)
class StepCount:
    """What one step changed: ``changed`` out of ``total``, reported as the rate ``key``."""

    key: str  # the rate's name in MaskOracle.annotate's dict
    changed: int  # segments (or pixels) the step changed
    total: int  # segments (or pixels) the step saw


class MaskNoise(ABC):
    """One noise step; ``background`` is the class id that pixels outside every segment take."""

    #: The spec name of the step, e.g. "segment-flip".
    name = ""

    def __init__(self, background: int) -> None:
        self.background = background

    @abstractmethod
    def apply(self, masks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, StepCount]:
        """Noisy copies of ``masks`` and what changed."""


class SegmentFlip(MaskNoise):
    """``segment-flip:P``: each segment takes a wrong class with probability P.

    The wrong class is drawn from ``wrong[c]``, a row-stochastic matrix that is zero on the
    diagonal: uniform over the other non-background classes by default, or a user's matrix.
    """

    name = "segment-flip"

    def __init__(self, background: int, rate: float, wrong: np.ndarray) -> None:
        super().__init__(background)
        self.rate = rate  # probability that a segment is flipped
        self._cumulative = cumulative_rows(wrong)  # per true class, where a flip goes

    def apply(self, masks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, StepCount]:
        segments = find_segments(masks, self.background)
        flip = rng.random(segments.count) < self.rate
        given = segments.classes.copy()
        given[1:][flip] = draw_from_rows(self._cumulative[segments.classes[1:][flip]], rng)
        noisy = np.where(segments.ids > 0, given[segments.ids], masks)
        return noisy, StepCount("segment_flip_rate", int(flip.sum()), segments.count)


class MissedSegments(MaskNoise):
    """``missed:P``: each segment is left as background with probability P."""

    name = "missed"

    def __init__(self, background: int, rate: float) -> None:
        super().__init__(background)
        self.rate = rate  # probability that a segment is not annotated at all

    def apply(self, masks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, StepCount]:
        segments = find_segments(masks, self.background)
        missed = np.concatenate([[False], rng.random(segments.count) < self.rate])
        noisy = np.where(missed[segments.ids], self.background, masks)
        return noisy, StepCount("missed_rate", int(missed.sum()), segments.count)


def uniform_wrong_matrix(num_classes: int, background: int) -> np.ndarray:
    """Rows: true class; a flip goes uniformly to another class that is not the background."""
    allowed = np.ones((num_classes, num_classes))
    if background < num_classes:  # background 255: every class is an object class
        allowed[:, background] = 0.0
    np.fill_diagonal(allowed, 0.0)
    totals = allowed.sum(axis=1, keepdims=True)
    return allowed / np.where(totals > 0, totals, 1.0)


def wrong_matrix_from(matrix: np.ndarray, background: int) -> np.ndarray:
    """A user's ``T[true, given]`` with its diagonal removed and rows renormalised.

    Raises ValueError for a non-background row with no wrong class to flip to.
    """
    wrong = np.array(matrix, dtype=float)
    np.fill_diagonal(wrong, 0.0)
    totals = wrong.sum(axis=1)
    for row, total in enumerate(totals):
        if row != background and total <= 0:
            raise ValueError(f"matrix row {row} (true class {row}) has no wrong class to flip to")
    return wrong / np.where(totals > 0, totals, 1.0)[:, None]

"""``confusion:P``: model-based instance-dependent noise (in the spirit of Chen et al., AAAI
2021, "Beyond class-conditional assumption").

A reference classifier, trained by the engine on the clean training split, gives every
training image a probability vector ``r_i`` (out of fold: each image is scored by a model
that did not train on it). Then, for sample i of true class y:

- its wrong answer follows ``r_i`` over the classes other than y (a shirt that looks like a
  T-shirt is called a T-shirt, not a sneaker);
- its flip rate is ``min(1, s (1 - r_i[y]))``: images the reference finds hard are wrong more
  often, with ``s`` chosen so that the flip rates average exactly P over the training split.
"""

from __future__ import annotations

import numpy as np

from oracles.base import SampleInput
from oracles.instance import InstanceNoiseOracle, wrong_from_scores

#: Bisection steps for the scale s (to 2**-60 of a bracket [b, 2b]).
SCALE_STEPS = 60


def scaled_flip_rates(hardness: np.ndarray, rate: float) -> np.ndarray:
    """``min(1, s * hardness)`` with ``s`` such that the mean is ``rate`` (hardness >= 0).

    Where every sample has zero hardness, every flip rate is ``rate``.
    """
    if rate <= 0.0:
        return np.zeros_like(hardness)
    if not np.any(hardness > 0) or rate >= 1.0:
        return np.full_like(hardness, rate)
    if np.mean(hardness > 0) < rate:
        # Even flipping every hard sample cannot reach the rate: spread the rest evenly.
        return np.where(hardness > 0, 1.0, (rate - np.mean(hardness > 0)) / np.mean(hardness <= 0))
    # Clipping only lowers the mean, so rate / mean(hardness) is a lower bound for s.
    low = rate / float(hardness.mean())
    high = 2.0 * low
    while np.minimum(1.0, high * hardness).mean() < rate:
        low, high = high, 2.0 * high
    for _ in range(SCALE_STEPS):
        middle = (low + high) / 2
        if np.minimum(1.0, middle * hardness).mean() < rate:
            low = middle
        else:
            high = middle
    return np.minimum(1.0, high * hardness)


class ReferenceConfusionOracle(InstanceNoiseOracle):
    """``confusion:P``: wrong answers follow a reference classifier's confusion per image."""

    def __init__(
        self, spec: str, num_classes: int, rate: float, options: tuple[tuple[str, str], ...] = ()
    ) -> None:
        super().__init__(spec, num_classes, rate)
        self.options = options  # reference classifier settings, passed on to the engine

    def sample_inputs(self) -> list[SampleInput]:
        return [SampleInput("train-labels"), SampleInput("reference-probabilities", self.options)]

    def _build(
        self, inputs: dict[str, np.ndarray], labels: np.ndarray, noise_seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        probabilities = np.asarray(inputs["reference-probabilities"], dtype=np.float64)
        if probabilities.shape != (len(labels), self.num_classes):
            raise ValueError(
                f"reference probabilities have shape {probabilities.shape}, "
                f"expected ({len(labels)}, {self.num_classes})"
            )
        hardness = 1.0 - probabilities[np.arange(len(labels)), labels]
        flip_rates = scaled_flip_rates(np.clip(hardness, 0.0, 1.0), self.rate)
        return flip_rates, wrong_from_scores(probabilities, labels)

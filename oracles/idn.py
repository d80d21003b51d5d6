"""``idn:P``: the instance-dependent generator of Xia et al. (NeurIPS 2020, arXiv 2006.10353).

For each training sample i with true class y and flattened, standardised image x:

1. a flip rate ``q_i`` drawn from a normal with mean P and standard deviation 0.1, truncated
   to [0, 1];
2. class scores ``x @ W[y]`` with ``W`` a seeded ``(K, D, K)`` standard-normal projection
   (one D x K matrix per true class), the true class masked out, a softmax over the rest.

The answer is wrong with probability ``q_i``, the wrong class drawn from that softmax. Both
depend on the image, so within one class some images are mislabeled more often than others,
and each towards its own classes. Everything derives from the noise seed.
"""

from __future__ import annotations

import numpy as np

from oracles.base import SampleInput
from oracles.instance import InstanceNoiseOracle

#: Standard deviation of the per-sample flip rates around P (Xia et al.'s 0.1).
FLIP_RATE_STD = 0.1
#: Images projected per block, to bound memory (block x D floats).
BLOCK = 4096


def truncated_normal(mean: float, std: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """Normal draws truncated to [0, 1] by redrawing those outside."""
    values = rng.normal(mean, std, size)
    outside = (values < 0.0) | (values > 1.0)
    while outside.any():
        values[outside] = rng.normal(mean, std, int(outside.sum()))
        outside = (values < 0.0) | (values > 1.0)
    return values


def projected_scores(
    images: np.ndarray, labels: np.ndarray, num_classes: int, rng: np.random.Generator
) -> np.ndarray:
    """Softmax of ``x_i @ W[y_i]`` over the wrong classes, per image (``(N, K)``)."""
    features = images.reshape(len(images), -1)
    dimension = features.shape[1]
    projection = rng.standard_normal((num_classes, dimension, num_classes))
    # Standardise with the split's pixel mean and std (one scalar each), as a normalising
    # transform does before the image reaches a network.
    mean = float(features[: 10 * BLOCK].mean())
    std = max(float(features[: 10 * BLOCK].std()), 1e-6)
    logits = np.empty((len(features), num_classes))
    for start in range(0, len(features), BLOCK):
        block = (features[start : start + BLOCK].astype(np.float64) - mean) / std
        block_labels = labels[start : start + BLOCK]
        for true_class in np.unique(block_labels):
            rows = np.flatnonzero(block_labels == true_class)
            logits[start + rows] = block[rows] @ projection[true_class]
    logits[np.arange(len(labels)), labels] = -np.inf
    logits -= logits.max(axis=1, keepdims=True)
    scores = np.exp(logits)
    return scores / scores.sum(axis=1, keepdims=True)


class PartDependentOracle(InstanceNoiseOracle):
    """``idn:P``: per-image flip rate and wrong-class distribution (Xia et al. 2020)."""

    def sample_inputs(self) -> list[SampleInput]:
        return [SampleInput("train-labels"), SampleInput("train-images")]

    def _build(
        self, inputs: dict[str, np.ndarray], labels: np.ndarray, noise_seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([noise_seed & 0xFFFFFFFF, 1])
        flip_rates = truncated_normal(self.rate, FLIP_RATE_STD, len(labels), rng)
        if self.rate == 0.0:
            flip_rates[:] = 0.0  # the truncated normal around 0 would still average 0.08
        wrong = projected_scores(inputs["train-images"], labels, self.num_classes, rng)
        return flip_rates, wrong

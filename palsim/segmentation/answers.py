"""The oracle's answers for segmentation: noisy masks, and what the run folder records of them.

Masks are too large for events and checkpoints, and need not be stored: the mask oracle is
a pure function of the true masks and its generator, which the loop derives from (noise seed,
cycle), so a resumed run asks again and gets the same masks. What the log keeps per item is
the class covering most of its answered mask (its "label"), per query the realised noise
rates and the pixels per class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oracles import MaskOracle
from palsim.datasets import IGNORE_INDEX
from palsim.datasets.base import largest_class


@dataclass(frozen=True)
class MaskReply:
    """The oracle's masks for one query and their summary."""

    masks: np.ndarray  # uint8 (n, H, W): the answered masks, 255 where ignored
    true_labels: np.ndarray  # int64 (n,): largest class of each true mask, background aside
    given_labels: np.ndarray  # int64 (n,): the same of each answered mask
    rates: dict[str, float]  # the oracle's realised rates (pixel_error_rate, ...)
    pixel_counts: list[int]  # pixels per class in the answered masks (ignored excluded)


def ask_masks(
    oracle: MaskOracle,
    true_masks: np.ndarray,
    num_classes: int,
    background: int,
    rng: np.random.Generator,
) -> MaskReply:
    """Ask ``oracle`` for uint8 ``true_masks`` (n, H, W) with the generator ``rng``; an
    item's label is its mask's largest class other than the dataset's ``background``."""
    noisy, rates = oracle.annotate(true_masks.astype(np.int64), rng)
    counted = noisy[noisy != IGNORE_INDEX]
    return MaskReply(
        masks=noisy.astype(np.uint8),
        true_labels=largest_class(true_masks, num_classes, background),
        given_labels=largest_class(noisy, num_classes, background),
        rates={key: float(value) for key, value in rates.items()},
        pixel_counts=np.bincount(counted, minlength=num_classes).tolist(),
    )


def wrong_pixels(given: np.ndarray, true: np.ndarray) -> tuple[int, int]:
    """(pixels answered with a wrong class, pixels with a label) over stacks of masks."""
    labelled = true != IGNORE_INDEX
    return int(np.sum((given != true) & labelled)), int(labelled.sum())

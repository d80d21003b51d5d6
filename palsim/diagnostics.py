"""How well each network of a cycle learned: numbers for the cycle record, and their warnings.

A strategy comparison only means something when every network in it learned. Each cycle
records the task model's fit to the labels it was given (and to the true labels, which only
the loop knows), and each strategy adds its own networks' numbers through
``Selection.diagnostics``. A network that ends a cycle near chance on its own training data
gets a one-line warning.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from palsim.train import predict_logits

#: "Near chance": accuracy below chance + this share of the distance from chance to 1.
#: With 10 classes that is 0.325; with PAL's 4 rotations 0.4375.
CHANCE_MARGIN = 0.25
#: A binary discriminator's cross-entropy when it cannot tell its two sides apart.
BINARY_CHANCE_LOSS = math.log(2.0)


def near_chance(accuracy: float, classes: int) -> bool:
    """True when ``accuracy`` on ``classes`` balanced choices is barely above guessing."""
    chance = 1.0 / classes
    return accuracy < chance + CHANCE_MARGIN * (1.0 - chance)


def chance_warning(network: str, what: str, accuracy: float, classes: int) -> str | None:
    """The warning line for a network near chance on its own training data, or None."""
    if not near_chance(accuracy, classes):
        return None
    return (
        f"{network} ends the cycle near chance on its training data: {what} "
        f"{accuracy:.3f} (chance {1.0 / classes:.3f})"
    )


@torch.no_grad()
def fit_on_labels(
    model: nn.Module,
    images: torch.Tensor,
    given: torch.Tensor,
    true: torch.Tensor,
    batch_size: int,
) -> dict[str, float]:
    """The trained task model on its labeled set, without augmentation.

    ``train_loss`` and ``train_accuracy`` against the labels it was given (the oracle's,
    possibly wrong); ``train_accuracy_true`` against the true labels. With noisy labels a
    model that fits the given labels perfectly has memorised the noise; one that is right on
    the true labels learned past it.
    """
    logits = predict_logits(model, images, batch_size)
    predictions = logits.argmax(dim=1)
    return {
        "train_loss": float(F.cross_entropy(logits, given)),
        "train_accuracy": float((predictions == given).float().mean()),
        "train_accuracy_true": float((predictions == true).float().mean()),
    }

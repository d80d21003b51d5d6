"""PAL's contrastive pretext (the authors' Cityscapes variant) as pure functions over tensors.

For segmentation the PAL authors replace the rotation pretext with a contrastive one: two
augmented views of every image, an InfoNCE loss over the scoring network's backbone features
at temperature 0.07, and S_S = the sample's positive-pair logit, the cosine similarity of its
two views' features divided by the temperature (range [-1/t, 1/t]). Unlike the rotation S_S,
which is high when the network fails its pretext, this logit is high when the network
matches the two views easily; which sign ranks novel samples first is the strategy's choice.

The loss is the symmetric InfoNCE of a batch of N pairs: logits[i, j] = cos(a_i, b_j) / t,
the positive of row i is column i and the other N-1 columns are its negatives; the loss is
the mean of the cross-entropies over rows and over columns.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947; van den Oord, Li, Vinyals, Representation Learning with Contrastive
Predictive Coding, arXiv 1807.03748.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from palsim.train import random_crop_flip

#: Temperature of the InfoNCE logits (the authors' setting).
TEMPERATURE = 0.07
#: Largest relative change of brightness in a view: factors drawn from [1 - b, 1 + b].
BRIGHTNESS = 0.4


def two_views(
    images: torch.Tensor, generator: torch.Generator, pad: int, brightness: float = BRIGHTNESS
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two augmented views of a uint8 batch (N, C, H, W), as float in [0, 1].

    Each view: a random translation by up to ``pad`` pixels (zero padding), a horizontal flip
    with probability 1/2 and a brightness factor per image, all drawn from ``generator``.
    """
    return _view(images, generator, pad, brightness), _view(images, generator, pad, brightness)


def _view(
    images: torch.Tensor, generator: torch.Generator, pad: int, brightness: float
) -> torch.Tensor:
    shifted = random_crop_flip(images, generator, pad).float() / 255.0
    factors = 1.0 + brightness * (2.0 * torch.rand(len(images), generator=generator) - 1.0)
    return (shifted * factors.to(images.device)[:, None, None, None]).clamp(0.0, 1.0)


def check_pair(features_a: torch.Tensor, features_b: torch.Tensor) -> None:
    """Two views' features must be batches of one shape (N, D); raise ValueError otherwise."""
    if features_a.shape != features_b.shape or features_a.dim() != 2:
        shapes = f"{tuple(features_a.shape)} and {tuple(features_b.shape)}"
        raise ValueError(f"expected two feature batches of one shape (N, D), got {shapes}")


def pair_logits(
    features_a: torch.Tensor, features_b: torch.Tensor, temperature: float = TEMPERATURE
) -> torch.Tensor:
    """``logits[i, j] = cos(a_i, b_j) / temperature`` for features (N, D) of two views."""
    check_pair(features_a, features_b)
    a = F.normalize(features_a.float(), dim=1)
    b = F.normalize(features_b.float(), dim=1)
    return a @ b.T / temperature


def info_nce_loss(
    features_a: torch.Tensor, features_b: torch.Tensor, temperature: float = TEMPERATURE
) -> torch.Tensor:
    """Symmetric InfoNCE: the mean cross-entropy of picking each sample's other view."""
    logits = pair_logits(features_a, features_b, temperature)
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


def positive_pair_score(
    features_a: torch.Tensor, features_b: torch.Tensor, temperature: float = TEMPERATURE
) -> torch.Tensor:
    """S_S per sample: the positive-pair logit ``cos(a_i, b_i) / temperature``, shape (N,)."""
    check_pair(features_a, features_b)
    cosine = F.cosine_similarity(features_a.float(), features_b.float(), dim=1)
    return cosine / temperature


def pretext_hits(
    features_a: torch.Tensor, features_b: torch.Tensor, temperature: float = TEMPERATURE
) -> torch.Tensor:
    """Per sample, whether its other view is the best match of its row (bool ``(N,)``): the
    pretext's top-1 accuracy is their mean, 1/N at chance. A tie counts as a miss."""
    logits = pair_logits(features_a, features_b, temperature)
    positive = logits.diagonal()
    others = logits - torch.diag(torch.full_like(positive, torch.inf))
    return positive > others.max(dim=1).values

"""A self-supervised embedding of the pool: a backbone trained to tell the rotation of an image.

No label is used. The pretext task is PAL's: every image at 0, 90, 180 and 270 degrees, a
4-way rotation head, cross-entropy (Gidaris et al.); the network trains on the whole pool
with the step schedule of every palsim network (:func:`palsim.train.planned_steps`: epochs
over the pool, with a floor). The embedding is the backbone's pooled features of the upright
image, L2-normalised, so Euclidean distances lie in [0, 2] and relate to cosine similarity.

References: Gidaris, Singh, Komodakis, Unsupervised Representation Learning by Predicting
Image Rotations (ICLR 2018), arXiv 1803.07728; the embedding TypiClust and ProbCover use is
SimCLR's (Chen et al., arXiv 2002.05709), which palsim replaces by this cheaper pretext task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from palsim.models import Normalize, build_backbone, channel_stats
from palsim.strategies.pal_scorer import rotate_all, rotation_targets, to_device
from palsim.strategies.pal_scores import ROTATIONS
from palsim.train import (
    apply_batched,
    augment_pad,
    fold_batchnorm,
    random_crop_flip,
    seeded,
    train_steps,
)


@dataclass(frozen=True)
class EmbeddingSettings:
    """How the embedding network is built and trained; every field enters the cache key."""

    backbone: str  # a registered backbone: small-cnn (quick) or resnet18 (paper)
    width: int  # backbone width; 0: the backbone's own
    epochs: int  # passes over the whole pool, unless min_steps asks for more
    min_steps: int  # optimizer steps at least (palsim.train.planned_steps)
    batch_size: int  # images per SGD step, each seen at all 4 rotations
    learning_rate: float  # peak learning rate (Nesterov SGD, warm-up, cosine decay)
    augment: bool  # random crop and flip before rotating
    score_batch_size: int  # images per forward pass when embedding the pool


class RotationNetwork(nn.Module):
    """``normalize -> backbone`` features and a 4-way rotation head."""

    def __init__(self, backbone: str, width: int, in_channels: int, images: torch.Tensor) -> None:
        super().__init__()
        mean, std = channel_stats(images)
        self.normalize = Normalize(mean, std)
        self.backbone, features = build_backbone(backbone, in_channels, width)
        self.rotation_head = nn.Linear(features, ROTATIONS)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Features ``(B, D)`` of uint8 images."""
        return self.backbone(self.normalize(images))


def train_embedding(
    images: torch.Tensor,
    settings: EmbeddingSettings,
    seed: int,
    on_epoch: Callable[[int, int, float], None] | None = None,
) -> tuple[torch.Tensor, float]:
    """Train a rotation network on all ``images`` (uint8, on their device); return the
    L2-normalised upright features ``(N, D)`` (float32) and the rotation accuracy on (up to
    1,000 of) the images, a check that the pretext task was learned (chance: 0.25)."""
    device = images.device
    generator = torch.Generator().manual_seed(seed)
    pad = augment_pad(images.shape[-1])
    with seeded(seed):
        network = to_device(
            RotationNetwork(settings.backbone, settings.width, images.shape[1], images), device
        )
        assert isinstance(network, RotationNetwork)

        def batch_loss(index: torch.Tensor) -> torch.Tensor:
            batch = images[index]
            if settings.augment:
                batch = random_crop_flip(batch, generator, pad)
            logits = network.rotation_head(network(rotate_all(batch)))
            return F.cross_entropy(logits, rotation_targets(len(index), device))

        # Four rotations make even a batch of one image a batch of four for BatchNorm.
        train_steps(network, len(images), settings, generator, batch_loss, on_epoch, min_batch=1)
    inference = fold_batchnorm(network)
    features = apply_batched(inference, images, settings.score_batch_size)
    probe = images[torch.linspace(0, len(images) - 1, min(1000, len(images))).long()]
    return F.normalize(features, dim=1), rotation_accuracy(inference, probe, settings)


@torch.no_grad()
def rotation_accuracy(
    network: nn.Module, images: torch.Tensor, settings: EmbeddingSettings
) -> float:
    """Share of ``images`` x 4 rotations whose rotation the network names correctly."""
    correct = 0
    for start in range(0, len(images), settings.score_batch_size):
        batch = images[start : start + settings.score_batch_size]
        logits = network.rotation_head(network(rotate_all(batch)))  # type: ignore[operator]
        targets = rotation_targets(len(batch), images.device)
        correct += int((logits.argmax(dim=1) == targets).sum())
    return correct / max(1, ROTATIONS * len(images))

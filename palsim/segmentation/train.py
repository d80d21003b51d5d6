"""Training and evaluating segmentation models on device-resident uint8 images and masks.

The same step schedule as the classifiers (:func:`palsim.train.train_steps`, so a floor of
steps at every labeled-set size), pixel-wise cross-entropy that skips ignored pixels (255),
and augmentation that moves image and mask together.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from palsim.datasets import IGNORE_INDEX
from palsim.segmentation.metrics import confusion_matrix
from palsim.train import (
    EpochCallback,
    TrainSettings,
    augment_pad,
    autocast,
    fold_batchnorm,
    train_steps,
)


def crop_flip_pair(
    images: torch.Tensor, masks: torch.Tensor, generator: torch.Generator, pad: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One random ``pad``-pixel translation and horizontal flip per sample, applied to the
    uint8 images ``(B, C, H, W)`` and their masks ``(B, H, W)`` alike. Padding is 0 in the
    images and ignored (255) in the masks: pixels shifted in from outside carry no label."""
    batch, _, height, width = images.shape
    offsets = torch.randint(0, 2 * pad + 1, (2, batch), generator=generator).to(images.device)
    flip = torch.rand(batch, generator=generator).to(images.device) < 0.5
    rows = offsets[0, :, None] + torch.arange(height, device=images.device)
    cols = offsets[1, :, None] + torch.arange(width, device=images.device)
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    index = torch.arange(batch, device=images.device)[:, None, None]
    padded = F.pad(images, (pad, pad, pad, pad)).permute(0, 2, 3, 1)
    padded_masks = F.pad(masks, (pad, pad, pad, pad), value=IGNORE_INDEX)
    crops = padded[index, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2).contiguous()
    return crops, padded_masks[index, rows[:, :, None], cols[:, None, :]]


def train_segmenter(
    model: nn.Module,
    images: torch.Tensor,
    masks: torch.Tensor,
    settings: TrainSettings,
    generator: torch.Generator,
    on_epoch: EpochCallback | None = None,
) -> float:
    """Train on uint8 ``images`` and uint8 ``masks`` (pixel-wise CE, 255 ignored)."""
    pad = augment_pad(images.shape[-1])

    def batch_loss(index: torch.Tensor) -> torch.Tensor:
        batch, target = images[index], masks[index]
        if settings.augment:
            batch, target = crop_flip_pair(batch, target, generator, pad)
        return F.cross_entropy(model(batch), target.long(), ignore_index=IGNORE_INDEX)

    return train_steps(model, len(images), settings, generator, batch_loss, on_epoch)


@torch.no_grad()
def evaluate_confusion(
    model: nn.Module,
    images: torch.Tensor,
    masks: torch.Tensor,
    num_classes: int,
    batch_size: int,
) -> torch.Tensor:
    """The (K, K) confusion matrix of ``model``'s per-pixel argmax over a clean split."""
    folded = fold_batchnorm(model)
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.long, device=images.device)
    for start in range(0, len(images), batch_size):
        with autocast(images.device):
            logits = folded(images[start : start + batch_size])
        predictions = logits.float().argmax(dim=1)
        confusion += confusion_matrix(predictions, masks[start : start + batch_size], num_classes)
    return confusion.cpu()

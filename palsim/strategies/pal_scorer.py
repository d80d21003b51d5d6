"""PAL's scoring network: a backbone with a 4-way rotation head and a K-way class head.

Everything runs on the device in batches. A batch of B uint8 images becomes 4B rotated images
(0, 90, 180, 270 degrees, rotation-major) with ``torch.rot90``; one forward pass gives the
features of all four, the rotation head reads all of them and the class head only the upright
quarter (so the upright images are not pushed through the backbone twice). Pool scoring uses
a copy of the scorer with every BatchNorm folded into its convolution (faster on a CPU,
measured by hand).

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from palsim.models import Normalize, build_backbone
from palsim.strategies.pal_scores import ROTATIONS, rotation_score
from palsim.train import (
    EpochCallback,
    augment_pad,
    autocast,
    batches,
    fold_batchnorm,
    planned_steps,
    random_crop_flip,
    train_steps,
)


class PretextScorer(nn.Module):
    """A scoring network as PAL's one-round scoring reads it (:mod:`pal_pretext`): a task head,
    and backbone features for the pretext. Inputs are uint8-valued images (float views too)."""

    def task_logits(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits ``(B, K)``, or per-pixel ``(B, K, H, W)`` for segmentation."""
        raise NotImplementedError

    def pretext_features(self, images: torch.Tensor) -> torch.Tensor:
        """One flat feature vector per image ``(B, D)``, which the contrastive pretext compares."""
        raise NotImplementedError

    def rotation_logits(self, images: torch.Tensor) -> torch.Tensor:
        """4-way rotation logits ``(B, 4)``."""
        raise NotImplementedError


class PalScorer(PretextScorer):
    """``normalize -> backbone`` features, read by ``rotation_head`` and ``class_head``."""

    def __init__(
        self,
        backbone: nn.Module,
        out_features: int,
        num_classes: int,
        mean: list[float],
        std: list[float],
    ) -> None:
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.backbone = backbone
        self.rotation_head = nn.Linear(out_features, ROTATIONS)
        self.class_head = nn.Linear(out_features, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Features ``(B, D)`` of uint8 images ``(B, C, H, W)``."""
        return self.backbone(self.normalize(images))

    def task_logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.class_head(self(images))

    def pretext_features(self, images: torch.Tensor) -> torch.Tensor:
        return self(images)

    def rotation_logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.rotation_head(self(images))


def build_scorer(
    backbone: str,
    in_channels: int,
    num_classes: int,
    mean: list[float],
    std: list[float],
    width: int = 0,
) -> PalScorer:
    """A freshly initialised scorer (seed torch first) on a backbone of the model registry.

    ``width`` 0 keeps the backbone's default.
    """
    network, out_features = build_backbone(backbone, in_channels, width)
    return PalScorer(network, out_features, num_classes, mean, std)


def to_device(model: nn.Module, device: torch.device) -> nn.Module:
    """Move to the device, channels_last everywhere (unlike the task model, also on the CPU)."""
    return model.to(device).to(memory_format=torch.channels_last)


def rotate_all(images: torch.Tensor) -> torch.Tensor:
    """``(B, C, H, W)`` to ``(4B, C, H, W)``: all images at 0, then 90, 180, 270 degrees."""
    if images.shape[-1] != images.shape[-2]:
        size = tuple(images.shape[-2:])
        raise ValueError(f"PAL rotates images by 90 degrees; they must be square, got {size}")
    rotated = torch.cat([torch.rot90(images, k, dims=(2, 3)) for k in range(ROTATIONS)])
    # channels_last on every device: faster on a CPU too, measured by hand.
    return rotated.contiguous(memory_format=torch.channels_last)


def rotation_targets(batch: int, device: torch.device) -> torch.Tensor:
    """The rotation label of each row of :func:`rotate_all`'s output."""
    return torch.arange(ROTATIONS, device=device).repeat_interleave(batch)


@dataclass(frozen=True)
class ScorerTraining:
    """How the scorer is trained each cycle and fine-tuned per sub-query."""

    epochs: int  # passes over the labeled set, unless min_steps asks for more
    min_steps: int  # optimizer steps at least, whatever the labeled-set size
    batch_size: int  # images per SGD step (each seen at all 4 rotations)
    learning_rate: float  # peak learning rate; fine-tuning uses finetune_lr_scale x this
    finetune_epochs: int  # rotation-only passes over the samples picked so far this cycle
    finetune_steps: int  # rotation-only SGD steps at least, however few samples are picked
    finetune_lr_scale: float  # fine-tuning lr as a multiple of learning_rate (authors': 0.1)
    augment: bool  # random crop and flip before rotating, while training


def _augment(images: torch.Tensor, generator: torch.Generator, enabled: bool) -> torch.Tensor:
    if not enabled:
        return images
    return random_crop_flip(images, generator, pad=augment_pad(images.shape[-1]))


def train_scorer(
    scorer: PalScorer,
    images: torch.Tensor,
    positions: torch.Tensor,
    labels: torch.Tensor,
    training: ScorerTraining,
    generator: torch.Generator,
    on_epoch: EpochCallback | None = None,
    unlabeled: torch.Tensor | None = None,
) -> float:
    """Loss CE(rotation, all 4 rotations) + CE(class, upright image), weights 1 and 1.

    ``positions`` index ``images`` (the device-resident pool); ``labels`` are their (possibly
    noisy) oracle labels. With ``unlabeled`` positions (PAL's ``ssl_data=pool``), each step
    also draws as many of them as the labeled batch holds (uniformly, with replacement, from
    ``generator``): they join the rotation loss only; the class head still reads the labeled
    images alone. SGD with Nesterov momentum, warm-up and cosine decay. Returns the last
    epoch's mean loss.
    """
    device = images.device
    extra_pool = unlabeled if unlabeled is not None and len(unlabeled) else None

    def batch_loss(index: torch.Tensor) -> torch.Tensor:
        count = len(index)
        batch = _augment(images[positions[index]], generator, training.augment)
        if extra_pool is not None:
            draw = torch.randint(0, len(extra_pool), (count,), generator=generator)
            extra = _augment(images[extra_pool[draw.to(device)]], generator, training.augment)
            batch = torch.cat([batch, extra])
        # Rotation-major rows: the first ``count`` are the labeled images, upright.
        features = scorer(rotate_all(batch))
        targets = rotation_targets(len(batch), device)
        rotation_loss = F.cross_entropy(scorer.rotation_head(features), targets)
        class_loss = F.cross_entropy(scorer.class_head(features[:count]), labels[index])
        return rotation_loss + class_loss

    # Four rotations make even a batch of one image a batch of four for BatchNorm.
    return train_steps(
        scorer, len(positions), training, generator, batch_loss, on_epoch, min_batch=1
    )


def finetune_rotation(
    scorer: PalScorer,
    images: torch.Tensor,
    positions: torch.Tensor,
    training: ScorerTraining,
    generator: torch.Generator,
) -> None:
    """Fine-tune ``scorer`` in place with the rotation loss only: plain SGD at a fixed lr.

    ``max(finetune_steps, finetune_epochs x batches)`` steps over the picked samples at
    ``finetune_lr_scale x`` the scorer's lr. Only the backbone and the rotation head receive
    gradients; the class head is untouched.
    """
    device = images.device
    parameters = [p for name, p in scorer.named_parameters() if not name.startswith("class_head")]
    optimizer = torch.optim.SGD(parameters, lr=training.finetune_lr_scale * training.learning_rate)
    total = planned_steps(
        len(positions), training.batch_size, training.finetune_epochs, training.finetune_steps
    )
    scorer.train()
    for _ in range(math.ceil(total / math.ceil(len(positions) / training.batch_size))):
        for index in batches(len(positions), training.batch_size, generator):
            if total == 0:
                break
            total -= 1
            index = index.to(device)
            batch = _augment(images[positions[index]], generator, training.augment)
            with autocast(device):
                logits = scorer.rotation_head(scorer(rotate_all(batch)))
                loss = F.cross_entropy(logits, rotation_targets(len(index), device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    scorer.eval()


@torch.no_grad()
def score_rotations(
    scorer: PalScorer,
    images: torch.Tensor,
    positions: torch.Tensor,
    batch_size: int,
    with_classes: bool = True,
    folded: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """S_S of ``images[positions]`` and, if asked, their upright class logits (float32).

    Each forward pass holds ``4 * batch_size`` rotated images. ``folded``: ``scorer`` is
    already an inference copy from :func:`fold_batchnorm` (reused over many calls).
    """
    device = images.device
    inference = scorer if folded else fold_batchnorm(scorer)
    assert isinstance(inference, PalScorer)
    rotation_scores, class_logits = [], []
    for start in range(0, len(positions), batch_size):
        chunk = images[positions[start : start + batch_size]]
        with autocast(device):
            features = inference(rotate_all(chunk))
            rotation_logits = inference.rotation_head(features).float()
            if with_classes:
                class_logits.append(inference.class_head(features[: len(chunk)]).float())
        # Rows are rotation-major: (4, B, 4) -> (B, applied rotation, predicted rotation).
        rotation_logits = rotation_logits.view(ROTATIONS, len(chunk), ROTATIONS).transpose(0, 1)
        rotation_scores.append(rotation_score(rotation_logits))
    empty = torch.empty(0, device=device)
    scores = torch.cat(rotation_scores) if rotation_scores else empty
    if not with_classes:
        return scores, None
    num_classes = scorer.class_head.out_features
    return scores, torch.cat(class_logits) if class_logits else empty.view(0, num_classes)

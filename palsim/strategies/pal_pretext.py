"""PAL in one round (no sub-queries): train a scorer on task + pretext loss, rank the pool.

This is PAL as the authors run it on Cityscapes, for any :class:`PretextScorer` (the
classification scorer or the segmentation one) and either pretext:

- training loss = CE(task head, the oracle's labels or masks; 255 ignored) + the pretext
  loss: ``contrastive``, the symmetric InfoNCE of two augmented views of every image of the
  batch (:mod:`pal_contrastive`); ``rotation``, CE over all 4 rotations of every image;
- S_S: the positive-pair logit of two fresh views (contrastive; high when the sample's views
  are easy to match), or minus the summed probability of the applied rotations (rotation);
- S_C: - KL(Uniform || p) in bits of the task head, its pixel mean for segmentation;
- S = lambda_rot S_S + lambda_kl S_C, computed a batch at a time (the pool's per-pixel
  probabilities are never all in memory); the strategy takes the top k.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from palsim.datasets import IGNORE_INDEX
from palsim.segmentation.train import crop_flip_pair
from palsim.strategies.pal_contrastive import info_nce_loss, positive_pair_score, two_views
from palsim.strategies.pal_scorer import (
    PretextScorer,
    ScorerTraining,
    rotate_all,
    rotation_targets,
)
from palsim.strategies.pal_scores import ROTATIONS, class_score, rotation_score
from palsim.train import (
    EpochCallback,
    augment_pad,
    autocast,
    fold_batchnorm,
    random_crop_flip,
    train_steps,
)


def view_features(
    scorer: PretextScorer, images: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pretext features of two augmented views of uint8 ``images``, in one forward pass (one
    BatchNorm batch for both, as the authors pass them)."""
    view_a, view_b = two_views(images, generator, augment_pad(images.shape[-1]))
    # The views are floats in [0, 1]; the scorer normalises uint8-valued pixels itself.
    features = scorer.pretext_features(torch.cat([view_a, view_b]) * 255.0)
    return features[: len(images)], features[len(images) :]


def pretext_loss(
    scorer: PretextScorer, images: torch.Tensor, pretext: str, generator: torch.Generator
) -> torch.Tensor:
    if pretext == "contrastive":
        return info_nce_loss(*view_features(scorer, images, generator))
    logits = scorer.rotation_logits(rotate_all(images))
    return F.cross_entropy(logits, rotation_targets(len(images), images.device))


def task_score(logits: torch.Tensor) -> torch.Tensor:
    """S_C per image from logits ``(B, K)`` or ``(B, K, H, W)`` (then the mean over pixels)."""
    per_item = class_score(logits)
    return per_item.flatten(1).mean(dim=1) if per_item.dim() > 1 else per_item


def train_pretext_scorer(
    scorer: PretextScorer,
    pool: torch.Tensor,
    positions: torch.Tensor,
    targets: torch.Tensor,
    pretext: str,
    training: ScorerTraining,
    generator: torch.Generator,
    on_epoch: EpochCallback | None = None,
    unlabeled: torch.Tensor | None = None,
) -> float:
    """Train on ``pool[positions]`` with the oracle's ``targets`` (labels ``(N,)`` or uint8
    masks ``(N, H, W)``): task CE + pretext loss, weights 1 and 1.

    The task head sees the batch randomly shifted and flipped (masks alike) when
    ``training.augment``; the pretext sees the images as stored (the views are its
    augmentation). With ``unlabeled`` positions (``ssl_data=pool``), each step's pretext
    batch also holds as many pool images, drawn uniformly with replacement. Returns the last
    epoch's mean loss.
    """
    pad = augment_pad(pool.shape[-1])
    extra_pool = unlabeled if unlabeled is not None and len(unlabeled) else None

    def batch_loss(index: torch.Tensor) -> torch.Tensor:
        images, target = pool[positions[index]], targets[index]
        task_images = images
        if training.augment and target.dim() == 3:
            task_images, target = crop_flip_pair(images, target, generator, pad)
        elif training.augment:
            task_images = random_crop_flip(images, generator, pad)
        logits = scorer.task_logits(task_images)
        task = F.cross_entropy(logits, target.long(), ignore_index=IGNORE_INDEX)
        if extra_pool is not None:
            draw = torch.randint(0, len(extra_pool), (len(index),), generator=generator)
            images = torch.cat([images, pool[extra_pool[draw.to(pool.device)]]])
        return task + pretext_loss(scorer, images, pretext, generator)

    return train_steps(scorer, len(positions), training, generator, batch_loss, on_epoch)


def pretext_score(
    scorer: PretextScorer, images: torch.Tensor, pretext: str, generator: torch.Generator
) -> torch.Tensor:
    """S_S of a batch: the positive-pair logit, or the rotation score."""
    if pretext == "contrastive":
        return positive_pair_score(*view_features(scorer, images, generator))
    logits = scorer.rotation_logits(rotate_all(images)).float()
    # Rows are rotation-major: (4, B, 4) -> (B, applied rotation, predicted rotation).
    return rotation_score(logits.view(ROTATIONS, len(images), ROTATIONS).transpose(0, 1))


@torch.no_grad()
def score_pool(
    scorer: PretextScorer,
    pool: torch.Tensor,
    positions: torch.Tensor,
    pretext: str,
    batch_size: int,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(S_S, S_C) of ``pool[positions]``, ``batch_size`` images at a time, on an inference
    copy with BatchNorm folded. Views are drawn from ``generator`` (seeded: the same scores
    each run)."""
    inference = fold_batchnorm(scorer)
    assert isinstance(inference, PretextScorer)
    pretext_scores, task_scores = [], []
    for start in range(0, len(positions), batch_size):
        images = pool[positions[start : start + batch_size]]
        with autocast(pool.device):
            task_scores.append(task_score(inference.task_logits(images).float()))
            pretext_scores.append(pretext_score(inference, images, pretext, generator).float())
    empty = torch.empty(0, device=pool.device)
    if not task_scores:
        return empty, empty
    return torch.cat(pretext_scores), torch.cat(task_scores)

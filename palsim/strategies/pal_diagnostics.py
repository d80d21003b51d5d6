"""How well PAL's networks learned this cycle, for the cycle record (``Selection.diagnostics``).

- The scorer's rotation accuracy (argmax of the rotation head, all four rotations) on the
  labeled set it was trained on and on a fixed sample of the pool, and its class head's
  accuracy on the labeled set (against the oracle's labels, the only ones PAL sees). The
  pool sample's rotation accuracy is also given per class, by the class head's prediction:
  PAL favours the classes whose rotation it cannot tell.
- With the one-round scorer (:mod:`pal_pretext`): its pretext's top-1 accuracy on the labeled
  set and the pool sample, with the chance level of that measure, and its task head's
  accuracy on the labeled set (per pixel for segmentation).
- How far fine-tuning moved the scores: the mean of S_D - S_S on the samples picked so far
  (fine-tuning trained on them, so it should fall) and on the candidates for the next
  sub-query. Fine-tuning that does nothing leaves both near 0 and the query undiversified.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from palsim.datasets import IGNORE_INDEX
from palsim.diagnostics import chance_warning
from palsim.strategies.pal_contrastive import pretext_hits as contrastive_hits
from palsim.strategies.pal_pretext import view_features
from palsim.strategies.pal_scorer import PalScorer, PretextScorer, rotate_all, rotation_targets
from palsim.strategies.pal_scores import ROTATIONS
from palsim.train import apply_batched, autocast, fold_batchnorm

#: Candidates per row when the contrastive pretext's top-1 accuracy is measured (chance 1/32).
CONTRASTIVE_GROUP = 32


@torch.no_grad()
def rotation_hits(
    scorer: PalScorer, images: torch.Tensor, positions: torch.Tensor, batch_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image of ``images[positions]``: the share of its 4 rotations the scorer names right,
    and the class head's prediction on the upright image."""
    inference = fold_batchnorm(scorer)
    assert isinstance(inference, PalScorer)

    def both(batch: torch.Tensor) -> torch.Tensor:
        features = inference(rotate_all(batch))
        named = inference.rotation_head(features).argmax(dim=1)
        hits = (named == rotation_targets(len(batch), batch.device)).float()
        predicted = inference.class_head(features[: len(batch)]).argmax(dim=1).float()
        return torch.stack([hits.view(ROTATIONS, len(batch)).mean(dim=0), predicted], dim=1)

    result = apply_batched(both, images[positions], batch_size)
    return result[:, 0], result[:, 1].long()


def by_class(values: torch.Tensor, classes: torch.Tensor, num_classes: int) -> list[Any]:
    """Mean of ``values`` per class (None for a class with no sample)."""
    means: list[Any] = []
    for label in range(num_classes):
        chosen = values[classes == label]
        means.append(float(chosen.mean()) if len(chosen) else None)
    return means


def scorer_diagnostics(
    scorer: PalScorer,
    pool: torch.Tensor,
    labeled: torch.Tensor,
    labels: torch.Tensor,
    probe: torch.Tensor,
    batch_size: int,
) -> tuple[dict[str, Any], list[str]]:
    """The scorer's accuracies (see the module docstring) and warnings when near chance."""
    num_classes = scorer.class_head.out_features
    hits_labeled, predicted_labeled = rotation_hits(scorer, pool, labeled, batch_size)
    hits_probe, predicted_probe = rotation_hits(scorer, pool, probe, batch_size)
    values: dict[str, Any] = {
        "pal_rotation_accuracy_labeled": float(hits_labeled.mean()),
        "pal_rotation_accuracy_pool": float(hits_probe.mean()),
        "pal_class_accuracy_labeled": float((predicted_labeled == labels).float().mean()),
        "pal_rotation_accuracy_pool_by_class": by_class(hits_probe, predicted_probe, num_classes),
    }
    warnings = [
        chance_warning(
            "PAL scorer",
            "rotation accuracy on its labeled set",
            values["pal_rotation_accuracy_labeled"],
            ROTATIONS,
        ),
        chance_warning(
            "PAL scorer",
            "class-head accuracy on its labeled set",
            values["pal_class_accuracy_labeled"],
            num_classes,
        ),
    ]
    return values, [line for line in warnings if line]


@dataclass
class FinetuneShift:
    """S_D - S_S after each fine-tuning: on the picked samples, and on each batch of
    candidates re-scored for the next sub-query (means of those, averaged)."""

    picked: list[float] = field(default_factory=list)
    rest: list[float] = field(default_factory=list)

    def add(self, picked_shift: torch.Tensor, rest_shift: torch.Tensor) -> None:
        if len(picked_shift):
            self.picked.append(float(picked_shift.mean()))
        if len(rest_shift):
            self.rest.append(float(rest_shift.mean()))

    def summary(self) -> dict[str, float]:
        """Means over the sub-queries (absent when the cycle had one sub-query)."""
        values = {}
        if self.picked:
            values["pal_finetune_shift_picked"] = sum(self.picked) / len(self.picked)
        if self.rest:
            values["pal_finetune_shift_rest"] = sum(self.rest) / len(self.rest)
        return values


@torch.no_grad()
def pretext_hits(
    scorer: PretextScorer,
    images: torch.Tensor,
    pretext: str,
    generator: torch.Generator,
    group: int = CONTRASTIVE_GROUP,
) -> tuple[float, float]:
    """(top-1 accuracy of the pretext on ``images``, its chance level), ``group`` at a time.

    Contrastive: a sample is a hit when its other view is its best match among the ``group``
    images it is scored with (chance: 1 over the group's size, averaged over the images).
    Rotation: the share of its 4 rotations named right (chance 1/4).
    """
    hits, chance = 0.0, 0.0
    for start in range(0, len(images), group):
        batch = images[start : start + group]
        with autocast(images.device):
            if pretext == "contrastive":
                hits += float(contrastive_hits(*view_features(scorer, batch, generator)).sum())
                chance += 1.0
            else:
                named = scorer.rotation_logits(rotate_all(batch)).argmax(dim=1)
                right = named == rotation_targets(len(batch), batch.device)
                hits += float(right.float().sum()) / ROTATIONS
                chance += len(batch) / ROTATIONS
    return hits / max(1, len(images)), chance / max(1, len(images))


@torch.no_grad()
def task_accuracy(
    scorer: PretextScorer, images: torch.Tensor, targets: torch.Tensor, batch_size: int
) -> float:
    """The task head's accuracy on its labeled set: per image, or per pixel (255 left out)."""
    right, counted = 0, 0
    for start in range(0, len(images), batch_size):
        with autocast(images.device):
            predicted = scorer.task_logits(images[start : start + batch_size]).argmax(dim=1)
        target = targets[start : start + batch_size].long()
        labelled = target != IGNORE_INDEX
        right += int((predicted == target)[labelled].sum())
        counted += int(labelled.sum())
    return right / max(1, counted)


def pretext_diagnostics(
    scorer: PretextScorer,
    pool: torch.Tensor,
    labeled: torch.Tensor,
    targets: torch.Tensor,
    probe: torch.Tensor,
    pretext: str,
    batch_size: int,
    generator: torch.Generator,
    num_classes: int,
) -> tuple[dict[str, Any], list[str]]:
    """The one-round scorer's pretext accuracy (labeled set, pool probe), its chance, and its
    task head's accuracy on the labeled set, with a warning for each near chance."""
    inference = fold_batchnorm(scorer)
    assert isinstance(inference, PretextScorer)
    labeled_hits, labeled_chance = pretext_hits(inference, pool[labeled], pretext, generator)
    probe_hits, probe_chance = pretext_hits(inference, pool[probe], pretext, generator)
    dense = targets.dim() == 3
    task = task_accuracy(inference, pool[labeled], targets, batch_size)
    values: dict[str, Any] = {
        f"pal_{pretext}_accuracy_labeled": labeled_hits,
        f"pal_{pretext}_accuracy_pool": probe_hits,
        f"pal_{'pixel' if dense else 'class'}_accuracy_labeled": task,
    }
    if pretext == "contrastive":
        values.update(pal_contrastive_chance_labeled=labeled_chance)
        values.update(pal_contrastive_chance_pool=probe_chance)
    what = "top-1 view matching" if pretext == "contrastive" else "rotation accuracy"
    warnings = [
        chance_warning(
            "PAL scorer",
            f"{what} on its labeled set",
            labeled_hits,
            max(1, round(1.0 / labeled_chance)) if labeled_chance else 1,
        ),
        chance_warning(
            "PAL scorer",
            f"{'pixel' if dense else 'class-head'} accuracy on its labeled set",
            task,
            num_classes,
        ),
    ]
    return values, [line for line in warnings if line]

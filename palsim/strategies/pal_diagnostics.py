"""How well PAL's networks learned this cycle, for the cycle record (``Selection.diagnostics``).

- The scorer's rotation accuracy (argmax of the rotation head, all four rotations) on the
  labeled set it was trained on and on a fixed sample of the pool, and its class head's
  accuracy on the labeled set (against the oracle's labels, the only ones PAL sees). The
  pool sample's rotation accuracy is also given per class, by the class head's prediction:
  PAL favours the classes whose rotation it cannot tell.
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

from palsim.diagnostics import chance_warning
from palsim.strategies.pal_scorer import PalScorer, rotate_all, rotation_targets
from palsim.strategies.pal_scores import ROTATIONS
from palsim.train import apply_batched, fold_batchnorm


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

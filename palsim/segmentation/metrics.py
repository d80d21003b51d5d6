"""Segmentation metrics from one confusion matrix accumulated over a whole split.

``confusion[t, p]`` counts pixels of true class ``t`` predicted as ``p``; pixels whose truth
is the ignore value (255) are left out. From it, per class ``c``:
IoU_c = TP / (TP + FP + FN) = C[c, c] / (row c + column c - C[c, c]). A class that is absent
from both the truth and the predictions has no IoU (None) and is left out of the mean:
mIoU is the mean over the classes that occur. Pixel accuracy = trace / all counted pixels.
"""

from __future__ import annotations

import torch

from palsim.datasets import IGNORE_INDEX


def confusion_matrix(
    predictions: torch.Tensor, truth: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """int64 (K, K) counts of (true, predicted) pixel pairs; truth 255 is ignored."""
    truth = truth.long().flatten()
    predictions = predictions.long().flatten()
    counted = truth != IGNORE_INDEX
    pairs = truth[counted] * num_classes + predictions[counted]
    return torch.bincount(pairs, minlength=num_classes * num_classes).view(num_classes, num_classes)


def iou_per_class(confusion: torch.Tensor) -> list[float | None]:
    """IoU of every class; None for a class absent from truth and predictions alike."""
    hits = confusion.diagonal()
    union = confusion.sum(dim=0) + confusion.sum(dim=1) - hits
    return [int(h) / int(u) if int(u) > 0 else None for h, u in zip(hits, union, strict=True)]


def mean_iou(confusion: torch.Tensor) -> float:
    """Mean IoU over the classes that occur in the truth or the predictions (NaN: none do)."""
    present = [iou for iou in iou_per_class(confusion) if iou is not None]
    return sum(present) / len(present) if present else float("nan")


def pixel_accuracy(confusion: torch.Tensor) -> float:
    """Correctly predicted pixels over all counted pixels (ignored ones excluded)."""
    total = int(confusion.sum())
    return int(confusion.diagonal().sum()) / total if total else float("nan")


def segmentation_metrics(confusion: torch.Tensor) -> dict[str, object]:
    """The summary fields of one evaluation: ``test_miou``, pixel accuracy, IoU per class."""
    return {
        "test_miou": mean_iou(confusion),
        "test_pixel_accuracy": pixel_accuracy(confusion),
        "test_iou_per_class": iou_per_class(confusion),
    }

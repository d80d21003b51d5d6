"""mIoU, per-class IoU and pixel accuracy against a confusion matrix worked by hand."""

from __future__ import annotations

import math

import torch

from palsim.segmentation.metrics import (
    confusion_matrix,
    iou_per_class,
    mean_iou,
    pixel_accuracy,
    segmentation_metrics,
)

# Four classes; class 3 occurs in neither truth nor prediction. 255 marks ignored pixels,
# whose predictions (here 3 and 1) must count nowhere.
TRUTH = torch.tensor([[[0, 0, 1, 1], [1, 2, 2, 255]], [[0, 255, 2, 2], [0, 1, 1, 2]]])
PREDICTED = torch.tensor([[[0, 1, 1, 1], [2, 2, 2, 3]], [[0, 1, 2, 0], [0, 1, 0, 2]]])
# Counted pixels: 14. By hand, rows = truth, columns = prediction:
#   truth 0 (4 px): predicted 0, 1, 0, 0          -> C[0] = [3, 1, 0, 0]
#   truth 1 (5 px): predicted 1, 1, 2, 1, 0       -> C[1] = [1, 3, 1, 0]
#   truth 2 (5 px): predicted 2, 2, 2, 0, 2       -> C[2] = [1, 0, 4, 0]
HAND = [[3, 1, 0, 0], [1, 3, 1, 0], [1, 0, 4, 0], [0, 0, 0, 0]]
# IoU: class 0: 3 / (4 + 5 - 3) = 1/2; class 1: 3 / (5 + 4 - 3) = 1/2;
#      class 2: 4 / (5 + 5 - 4) = 2/3; class 3: absent from both, no IoU.
# mIoU = (1/2 + 1/2 + 2/3) / 3 = 5/9; pixel accuracy = (3 + 3 + 4) / 14 = 5/7.


def test_confusion_matrix_counts_pairs_and_skips_ignored_pixels() -> None:
    assert confusion_matrix(PREDICTED, TRUTH, 4).tolist() == HAND


def test_iou_mean_and_pixel_accuracy_match_the_hand_worked_values() -> None:
    confusion = torch.tensor(HAND)
    assert iou_per_class(confusion) == [0.5, 0.5, 4 / 6, None]
    assert math.isclose(mean_iou(confusion), 5 / 9)
    assert math.isclose(pixel_accuracy(confusion), 10 / 14)
    assert segmentation_metrics(confusion)["test_iou_per_class"] == [0.5, 0.5, 4 / 6, None]


def test_a_class_only_predicted_still_counts_with_iou_zero() -> None:
    confusion = torch.tensor([[2, 1], [0, 0]])  # class 1 never true, predicted once
    assert iou_per_class(confusion) == [2 / 3, 0.0]
    assert mean_iou(confusion) == (2 / 3 + 0.0) / 2


def test_batches_add_up_to_the_whole_split() -> None:
    whole = confusion_matrix(PREDICTED, TRUTH, 4)
    parts = confusion_matrix(PREDICTED[:1], TRUTH[:1], 4) + confusion_matrix(
        PREDICTED[1:], TRUTH[1:], 4
    )
    assert torch.equal(whole, parts)


def test_nothing_counted_gives_nan_not_a_crash() -> None:
    empty = confusion_matrix(torch.zeros(1, 2, 2), torch.full((1, 2, 2), 255), 3)
    assert math.isnan(mean_iou(empty)) and math.isnan(pixel_accuracy(empty))

"""Per-cycle diagnostics: the task model's fit, PAL's and VAAL's numbers, warnings near chance."""

from __future__ import annotations

import math

import pytest
import torch

from palsim.diagnostics import BINARY_CHANCE_LOSS, chance_warning, fit_on_labels, near_chance
from palsim.strategies.pal_diagnostics import FinetuneShift, by_class


class FixedLogits(torch.nn.Module):
    """Predicts class ``image[0, 0, 0] % 3`` with logit 2 (others 0), whatever else it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = torch.nn.Linear(1, 1)  # a parameter, so that .to() and folding work

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        predicted = images[:, 0, 0, 0].long() % 3
        return torch.nn.functional.one_hot(predicted, 3).float() * 2.0


def test_fit_on_labels_measures_given_and_true_labels_separately() -> None:
    images = torch.tensor([0, 1, 2, 0], dtype=torch.uint8).view(4, 1, 1, 1)
    true = torch.tensor([0, 1, 2, 0])  # predictions are all right on the true labels
    given = torch.tensor([0, 1, 0, 1])  # the oracle got the last two wrong
    fit = fit_on_labels(FixedLogits(), images, given, true, batch_size=3)
    assert fit["train_accuracy"] == 0.5 and fit["train_accuracy_true"] == 1.0
    right = -math.log(math.exp(2) / (math.exp(2) + 2))  # CE of a hit: logit 2 against 0, 0
    wrong = -math.log(1 / (math.exp(2) + 2))
    assert fit["train_loss"] == pytest.approx((2 * right + 2 * wrong) / 4, abs=1e-5)


@pytest.mark.parametrize(
    ("accuracy", "classes", "near"),
    [(0.30, 10, True), (0.33, 10, False), (0.43, 4, True), (0.44, 4, False), (0.9, 4, False)],
)
def test_near_chance_is_a_quarter_of_the_way_from_chance_to_one(
    accuracy: float, classes: int, near: bool
) -> None:
    assert near_chance(accuracy, classes) is near


def test_chance_warning_is_one_line_naming_the_network() -> None:
    line = chance_warning("PAL scorer", "rotation accuracy on its labeled set", 0.3, 4)
    assert line == (
        "PAL scorer ends the cycle near chance on its training data: "
        "rotation accuracy on its labeled set 0.300 (chance 0.250)"
    )
    assert chance_warning("task model", "accuracy", 0.8, 10) is None
    assert round(BINARY_CHANCE_LOSS, 4) == 0.6931


def test_by_class_averages_per_class_and_marks_missing_ones() -> None:
    values = torch.tensor([1.0, 0.5, 0.0, 0.25])
    classes = torch.tensor([0, 0, 2, 2])
    assert by_class(values, classes, 3) == [0.75, None, 0.125]


def test_finetune_shift_averages_over_subqueries() -> None:
    shift = FinetuneShift()
    assert shift.summary() == {}  # one sub-query: nothing was fine-tuned
    shift.add(torch.tensor([-1.0, -0.5]), torch.tensor([0.1, 0.3]))
    shift.add(torch.tensor([-0.25]), torch.tensor([0.0]))
    summary = shift.summary()
    assert summary["pal_finetune_shift_picked"] == pytest.approx((-0.75 - 0.25) / 2)
    assert summary["pal_finetune_shift_rest"] == pytest.approx((0.2 + 0.0) / 2)

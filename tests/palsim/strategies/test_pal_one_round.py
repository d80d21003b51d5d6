"""PAL in one round (segmentation, the contrastive pretext): scores worked by hand, the
scorer's training, options and their refusals, and the strategy on tiny pools."""

from __future__ import annotations

import math

import pytest
import torch

from palsim.segmentation.models import SmallFCN
from palsim.strategies.base import QueryContext, TrainSettings, parse_options
from palsim.strategies.pal import PalStrategy
from palsim.strategies.pal_contrastive import info_nce_loss, pretext_hits
from palsim.strategies.pal_options import PalOptions
from palsim.strategies.pal_pretext import task_score, train_pretext_scorer, view_features
from palsim.strategies.pal_scorer import ScorerTraining
from palsim.strategies.pal_segmentation import SegmentationScorer
from tests.palsim.strategies.test_pal import TINY
from tests.palsim.strategies.test_pal import make_context as classification_context

# --- S_C of a segmentation head, by hand ----------------------------------------------------


def test_segmentation_class_score_is_the_pixel_mean_of_minus_kl_in_bits() -> None:
    # One image of 1 x 2 pixels, 2 classes: p = (0.8, 0.2) and (0.5, 0.5); a second image
    # of 4 classes with p = (0.7, 0.1, 0.1, 0.1) everywhere.
    first = torch.tensor([[0.8, 0.5], [0.2, 0.5]]).log().view(1, 2, 1, 2)
    kl = 0.5 * math.log2(0.5 / 0.8) + 0.5 * math.log2(0.5 / 0.2)  # KL(U || (0.8, 0.2))
    assert task_score(first).tolist() == pytest.approx([-kl / 2], abs=1e-6)
    second = torch.tensor([0.7, 0.1, 0.1, 0.1]).log().view(1, 4, 1, 1).expand(1, 4, 3, 3)
    kl4 = 0.25 * math.log2(0.25 / 0.7) + 0.75 * math.log2(0.25 / 0.1)
    assert task_score(second).tolist() == pytest.approx([-kl4], abs=1e-6)
    # Classification logits (N, K) keep one score per sample.
    assert task_score(torch.zeros(3, 5)).tolist() == pytest.approx([0.0] * 3, abs=1e-6)


def test_pretext_hits_find_the_positive_as_its_rows_best() -> None:
    a = torch.eye(3)
    b = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.1, 0.0], [0.0, 1.0, 1.0]])
    # Row 1's positive (cosine 0.1) loses to column 2 (cosine 0.71); rows 0 and 2 win (cosine
    # 1 against 0.995, and 0.71 against 0).
    assert pretext_hits(a, b).tolist() == [True, False, True]


# --- the segmentation scorer ------------------------------------------------------------------


def scenes(count: int = 8, side: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """Dark canvases with one bright square each, at a place of their own; masks: class 1 on
    the square, 0 elsewhere."""
    images = torch.zeros(count, 1, side, side, dtype=torch.uint8)
    masks = torch.zeros(count, side, side, dtype=torch.uint8)
    for i in range(count):
        row, col = 2 + 3 * (i % 4), 2 + 5 * (i // 4)
        images[i, :, row : row + 10, col : col + 10] = 200
        masks[i, row : row + 10, col : col + 10] = 1
    return images, masks


def test_the_contrastive_scorers_loss_falls_on_a_tiny_set() -> None:
    images, masks = scenes()
    torch.manual_seed(0)
    scorer = SegmentationScorer(SmallFCN(1, 2, [0.3], [0.4], width=4))
    training = ScorerTraining(30, 0, 8, 0.05, 0, 0, 0.1, False)  # 30 steps of the 8 images

    def pretext(seed: int) -> float:
        scorer.eval()
        with torch.no_grad():
            views = view_features(scorer, images, torch.Generator().manual_seed(seed))
        return float(info_nce_loss(*views))

    before = pretext(1)
    positions = torch.arange(len(images))
    generator = torch.Generator().manual_seed(2)
    losses: list[float] = []
    train_pretext_scorer(
        scorer, images, positions, masks, "contrastive", training, generator,
        lambda epoch, epochs, loss: losses.append(loss),
    )  # fmt: skip
    # Measured: the training loss (task + pretext) 3.43 in the first step, about 2.2 in the
    # last five; InfoNCE on fixed views from 2.02 (ln 8 = 2.08 at chance) to 1.73.
    assert sum(losses[-5:]) / 5 < losses[0] - 0.8
    assert pretext(1) < before - 0.2


# --- options and refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "task", "message"),
    [
        (
            {"lambda_div": "1"},
            "segmentation",
            "PAL -S lambda_div=1: sub-queries and their diversity score exist for the rotation "
            "pretext on classification only, not contrastive on segmentation",
        ),
        (
            {"subquery_size": "8", "pretext": "rotation"},
            "segmentation",
            "PAL -S subquery_size=8: sub-queries and their diversity score exist for the "
            "rotation pretext on classification only, not rotation on segmentation",
        ),
        (
            {"pretext": "contrastive", "lambda_div": "0.5"},
            "classification",
            "PAL -S lambda_div=0.5: sub-queries and their diversity score exist for the "
            "rotation pretext on classification only, not contrastive on classification",
        ),
        (
            {"backbone": "small-cnn"},
            "segmentation",
            "PAL backbone 'small-cnn' is not a segmentation network; choose one of: auto, ",
        ),
        ({"width": "8"}, "segmentation", "PAL -S width: the segmentation scorer is the task"),
    ],
)
def test_options_that_do_not_fit_the_task_are_refused(options, task, message) -> None:
    strategy = PalStrategy(options)
    with pytest.raises(ValueError) as caught:
        strategy.check_task(task)
    assert str(caught.value).startswith(message)


def test_options_that_fit_are_accepted_and_weights_may_be_negative() -> None:
    PalStrategy({"lambda_div": "0"}).check_task("segmentation")
    PalStrategy({"pretext": "rotation"}).check_task("segmentation")
    PalStrategy({"lambda_div": "2", "subquery_size": "8"}).check_task("classification")
    assert PalStrategy({"lambda_rot": "-1"}).options.lambda_rot == -1.0
    assert PalOptions().resolved_pretext("segmentation") == "contrastive"
    assert PalOptions().resolved_pretext("classification") == "rotation"
    with pytest.raises(ValueError, match="unknown PAL pretext 'jigsaw'; choose one of: auto, r"):
        PalStrategy({"pretext": "jigsaw"})
    with pytest.raises(ValueError, match="must be a finite number"):
        PalStrategy({"lambda_div": "nan"})


# --- the strategy on tiny pools -------------------------------------------------------------------


def segmentation_context(seed: int = 0) -> QueryContext:
    images, masks = scenes(24)
    return QueryContext(
        cycle=0,
        pool_images=images,
        labeled=torch.arange(8),
        labels=torch.ones(8, dtype=torch.long),
        unlabeled=torch.arange(8, 24),
        model=torch.nn.Identity(),
        num_classes=2,
        device=torch.device("cpu"),
        generator=torch.Generator().manual_seed(seed),
        seed=seed,
        train=TrainSettings(1, 8, 0.05, 8, False, min_steps=0),
        preset="quick",
        masks=masks[:8],
        model_name="small-fcn",
    )


@pytest.mark.parametrize("pretext", ["contrastive", "rotation"])
def test_segmentation_pal_picks_distinct_unlabeled_images_and_reports_its_scorer(pretext) -> None:
    options = {"pretext": pretext, "epochs": "2"}
    selection = PalStrategy(options).select(segmentation_context(), 5)
    chosen = selection.indices.tolist()
    assert len(set(chosen)) == 5 and set(chosen) <= set(range(8, 24))
    assert selection.scores is not None
    assert selection.scores.tolist() == sorted(selection.scores.tolist(), reverse=True)
    values = selection.diagnostics
    assert 0 <= values[f"pal_{pretext}_accuracy_pool"] <= 1
    assert 0 <= values["pal_pixel_accuracy_labeled"] <= 1
    if pretext == "contrastive":
        assert values["pal_contrastive_chance_labeled"] == pytest.approx(1 / 8)
        assert values["pal_contrastive_chance_pool"] == pytest.approx(1 / 24)
    again = PalStrategy(options).select(segmentation_context(), 5)
    assert again.indices.tolist() == chosen  # seeded views: the same scores


def test_lambda_rot_minus_one_reverses_the_pretext_ranking() -> None:
    only_pretext = {"epochs": "2", "lambda_kl": "0"}
    easy_first = PalStrategy(only_pretext).select(segmentation_context(), 16)
    hard_first = PalStrategy({**only_pretext, "lambda_rot": "-1"}).select(
        segmentation_context(), 16
    )
    assert easy_first.indices.tolist() == hard_first.indices.flip(0).tolist()


def test_classification_with_the_contrastive_pretext_takes_one_round() -> None:
    selection = PalStrategy({**TINY, "pretext": "contrastive"}).select(classification_context(), 10)
    assert len(set(selection.indices.tolist())) == 10
    values = selection.diagnostics
    assert {"pal_contrastive_accuracy_labeled", "pal_class_accuracy_labeled"} <= set(values)
    assert "pal_rescored" not in values  # no sub-queries
    assert values["pal_contrastive_chance_labeled"] == pytest.approx(2 / 40)  # groups 32 + 8


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_a_score_weight_of_any_sign_must_be_finite(text: str) -> None:
    # Weights may be negative, so the refusal names no lower bound.
    with pytest.raises(ValueError) as refused:
        parse_options(PalOptions, {"lambda_rot": text})
    assert str(refused.value) == f"strategy option lambda_rot={text!r}: must be a finite number"
    assert parse_options(PalOptions, {"lambda_rot": "-1"}).lambda_rot == -1.0

import math

import pytest
import torch

from palsim.models import build_model
from palsim.strategies.bald import (
    BaldStrategy,
    VariationRatioStrategy,
    bald_score,
    mc_dropout_probabilities,
    variation_ratio,
)
from tests.palsim.strategies.contexts import tiny_context


def test_bald_is_zero_when_all_passes_agree_and_positive_when_they_disagree() -> None:
    agree = torch.tensor([[0.7, 0.2, 0.1]]).expand(5, 1, 3)  # five identical passes
    flat = torch.full((5, 1, 3), 1 / 3)  # uncertain, but every pass says so: no disagreement
    disagree = torch.eye(3)[[0, 1, 2, 0, 1]][:, None, :]  # each pass certain of another class
    scores = bald_score(torch.cat([agree, flat, disagree], dim=1))
    assert scores[0] == pytest.approx(0.0, abs=1e-6)
    assert scores[1] == pytest.approx(0.0, abs=1e-6)
    # Mean (0.4, 0.4, 0.2): entropy of the mean minus the passes' entropies (all 0).
    expected = -(2 * 0.4 * math.log(0.4) + 0.2 * math.log(0.2))
    assert scores[2] == pytest.approx(expected, rel=1e-5)


def test_bald_ranks_two_confident_disagreeing_passes_highest() -> None:
    half = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # maximal disagreement: log 2
    mild = torch.tensor([[[0.6, 0.4]], [[0.4, 0.6]]])
    scores = bald_score(torch.cat([half, mild], dim=1))
    assert scores[0] == pytest.approx(math.log(2), rel=1e-5)
    assert 0 < scores[1] < scores[0]


def test_bald_rejects_a_two_dimensional_input() -> None:
    with pytest.raises(ValueError, match=r"\(T, N, K\)"):
        bald_score(torch.full((4, 3), 1 / 3))


def test_variation_ratio_counts_votes() -> None:
    unanimous = torch.tensor([[0.5, 0.3, 0.2]]).expand(4, 1, 3)
    votes = torch.eye(3)[[0, 0, 1, 2]][:, None, :]  # 2 of 4 passes vote for the mode
    scores = variation_ratio(torch.cat([unanimous, votes], dim=1))
    assert scores.tolist() == pytest.approx([0.0, 0.5])


def test_dropout_passes_differ_but_eval_mode_is_restored() -> None:
    head = torch.nn.Sequential(torch.nn.Dropout(0.5), torch.nn.Linear(8, 3))
    head.eval()
    features = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    probabilities = mc_dropout_probabilities(head, features, passes=10)
    assert probabilities.shape == (10, 6, 3)
    assert probabilities.sum(dim=2).allclose(torch.ones(10, 6))
    assert not torch.allclose(probabilities[0], probabilities[1])
    assert not head.training


def test_bald_strategies_train_with_dropout_and_select_reproducibly() -> None:
    assert BaldStrategy.task_dropout > 0 and VariationRatioStrategy.task_dropout > 0
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25], dropout=0.3).eval()
    strategy = BaldStrategy({"passes": "8", "chunk": "7"})
    first = strategy.select(tiny_context(model, seed=3), budget=5)
    again = strategy.select(tiny_context(model, seed=3), budget=5)
    other = strategy.select(tiny_context(model, seed=4), budget=5)
    assert first.indices.tolist() == again.indices.tolist()
    assert len(set(first.indices.tolist())) == 5
    assert set(first.indices.tolist()) <= set(tiny_context(model).unlabeled.tolist())
    assert first.scores is not None and (first.scores[:-1] >= first.scores[1:]).all()
    assert other.scores is not None and not torch.equal(first.scores, other.scores)


def test_variation_ratio_strategy_scores_are_multiples_of_one_over_passes() -> None:
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25], dropout=0.3).eval()
    selection = VariationRatioStrategy({"passes": "6"}).select(tiny_context(model), budget=4)
    assert selection.scores is not None
    # Variation ratio over 6 passes takes values in {0, 1/6, ..., 5/6}.
    assert torch.allclose(selection.scores * 6, (selection.scores * 6).round(), atol=1e-5)


def test_backbone_runs_once_per_batch_and_only_the_head_repeats() -> None:
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25], dropout=0.3).eval()
    calls = {"backbone": 0, "head": 0}
    model.backbone.register_forward_hook(
        lambda *_: calls.__setitem__("backbone", calls["backbone"] + 1)
    )
    model.head.register_forward_hook(lambda *_: calls.__setitem__("head", calls["head"] + 1))
    context = tiny_context(model)  # 30 unlabeled images, eval batches of 16
    BaldStrategy({"passes": "5"}).select(context, budget=3)
    assert calls == {"backbone": 2, "head": 5}

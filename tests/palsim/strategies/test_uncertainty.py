import math

import pytest
import torch

from palsim.strategies.base import parse_options, top_k
from palsim.strategies.uncertainty import entropy_score, least_confidence_score, margin_score

PROBABILITIES = torch.tensor(
    [
        [0.98, 0.01, 0.01],  # confident
        [1 / 3, 1 / 3, 1 / 3],  # uniform
        [0.5, 0.45, 0.05],  # two close classes
    ]
)


def test_entropy_is_highest_for_uniform_and_matches_hand_values() -> None:
    scores = entropy_score(PROBABILITIES)
    assert scores[1] == pytest.approx(math.log(3))
    assert scores.argmax() == 1 and scores.argmin() == 0


def test_margin_prefers_close_top_two() -> None:
    scores = margin_score(PROBABILITIES)
    assert scores.tolist() == pytest.approx([-0.97, 0.0, -0.05])


def test_least_confidence() -> None:
    assert least_confidence_score(PROBABILITIES).tolist() == pytest.approx([0.02, 2 / 3, 0.5])


def test_top_k_breaks_ties_by_position() -> None:
    selection = top_k(torch.tensor([0.1, 0.5, 0.5, 0.9]), torch.tensor([10, 11, 12, 13]), 3)
    assert selection.indices.tolist() == [13, 11, 12]
    assert selection.scores is not None and selection.scores.tolist() == pytest.approx(
        [0.9, 0.5, 0.5]
    )


def test_strategy_options_are_typed_and_checked() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Options:
        passes: int = 20
        weight: float = 1.0
        fast: bool = False

    options = parse_options(Options, {"passes": "5", "weight": "0.5", "fast": "yes"})
    assert options == Options(5, 0.5, True)
    with pytest.raises(ValueError, match="unknown strategy option 'pases'; valid options: passes"):
        parse_options(Options, {"pases": "5"})
    with pytest.raises(ValueError, match="strategy option passes='x' is not a valid int"):
        parse_options(Options, {"passes": "x"})

"""Annotator pool files with per-class or per-group error rates, and the documented profiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import oracles

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def pool(tmp_path: Path, annotators: list[dict]) -> oracles.Oracle:
    path = tmp_path / "pool.json"
    path.write_text(json.dumps({"annotators": annotators}))
    return oracles.parse(f"annotators:{path}", 4)


def test_per_class_rates_set_each_row(tmp_path) -> None:
    oracle = pool(tmp_path, [{"id": "x", "rates": [0.0, 0.3, 0.6, 0.9]}])
    matrix = oracle.annotator_profiles()[0].matrix
    assert np.allclose(np.diag(matrix), [1.0, 0.7, 0.4, 0.1])
    assert np.allclose(matrix[1], [0.1, 0.7, 0.1, 0.1])


def test_group_rates_with_a_default_for_the_other_classes(tmp_path) -> None:
    oracle = pool(tmp_path, [{"id": "x", "rates": {"*": 0.06, "1,3": 0.3}}])
    assert np.allclose(np.diag(oracle.annotator_profiles()[0].matrix), [0.94, 0.7, 0.94, 0.7])


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        ([0.1, 0.2], "annotator 'x' rates lists 2 rates for 4 classes"),
        ({"0,1": 0.2}, 'annotator \'x\' rates gives no rate for class 2; add "*": RATE'),
        ({"0,1": 0.2, "1": 0.3, "*": 0}, "class 1 is outside 0..3 or in two groups"),
        ({"0,x": 0.2}, "group '0,x' is not a list of class numbers"),
        ([0.1, 0.2, 0.3, 1.5], "annotator 'x' rates must lie in [0, 1]"),
        ("high", "must be a list of rates or an object of class groups"),
    ],
)
def test_bad_rates_name_the_problem(tmp_path, rates, message: str) -> None:
    with pytest.raises(ValueError) as error:
        pool(tmp_path, [{"id": "x", "rates": rates}])
    assert message in str(error.value)


def test_an_annotator_has_one_kind_of_noise(tmp_path) -> None:
    with pytest.raises(ValueError, match="exactly one of 'rate', 'rates' or 'matrix'"):
        pool(tmp_path, [{"id": "x", "rate": 0.1, "rates": [0.1] * 4}])


def test_documented_profiles_load_with_their_stated_error_rates() -> None:
    expert = oracles.parse(f"annotators:{EXAMPLES / 'pool-expert-crowd.json'}", 10)
    rates = {p.id: round(p.error_rate, 3) for p in expert.annotator_profiles()}
    assert rates == {"expert": 0.044, "crowd1": 0.22, "crowd2": 0.26}
    assert [p.cost for p in expert.annotator_profiles()] == [5.0, 1.0, 1.0]
    crowd = oracles.parse(f"annotators:{EXAMPLES / 'pool-shared-confusion.json'}", 10)
    matrix = crowd.transition_matrix()
    # Shirts (6) are called T-shirts, pullovers or coats, hardly ever anything else.
    assert matrix[6, [0, 2, 4]].sum() > 0.4 and matrix[6, [1, 3, 5, 7, 8, 9]].sum() < 0.05

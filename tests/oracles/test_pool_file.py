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
        ({"0,1": 0.2}, "annotator 'x' rates gives no rate for class 2; add \"*\": RATE"),
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
    with pytest.raises(ValueError, match="exactly one of 'rate', 'rates', 'matrix' or 'spec'"):
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


def test_an_annotator_can_be_an_instance_dependent_model(tmp_path) -> None:
    path = tmp_path / "pool.json"
    path.write_text(
        json.dumps(
            {
                "annotators": [
                    {"id": "careful", "rate": 0.0},
                    {"id": "idn1", "spec": "idn:0.4"},
                    {"id": "idn2", "spec": "idn:0.4"},
                ],
                "routing": "round-robin",
            }
        )
    )
    oracle = oracles.parse(f"annotators:{path}", 4)
    assert [w.name for w in oracle.sample_inputs()] == ["train-labels", "train-images"]
    rng = np.random.default_rng(0)
    labels = np.arange(3000) % 4
    prototypes = rng.integers(40, 200, (4, 16))
    images = (prototypes[labels] + rng.integers(-40, 40, (3000, 16))).astype(np.uint8)
    oracle.supply({"train-labels": labels, "train-images": images}, noise_seed=3)
    reply = oracle.annotate(np.arange(3000), labels, np.random.default_rng(1))
    wrong = {name: [] for name in ("careful", "idn1", "idn2")}
    for item, who, label in zip(range(3000), reply.annotators, reply.labels, strict=True):
        wrong[who].append(label != labels[item])
    assert not any(wrong["careful"])
    assert abs(np.mean(wrong["idn1"]) - 0.4) < 0.05 and abs(np.mean(wrong["idn2"]) - 0.4) < 0.05
    # Each model-backed annotator has its own noise seed and a realised matrix.
    first, second = oracle.annotator_profiles()[1:]
    assert not np.allclose(first.matrix, second.matrix)
    assert abs(first.error_rate - 0.4) < 0.03


def test_a_pool_annotator_cannot_be_a_pool(tmp_path) -> None:
    with pytest.raises(ValueError, match="must not be a pool or a replay"):
        pool(tmp_path, [{"id": "x", "spec": "annotators:2:0.1"}])

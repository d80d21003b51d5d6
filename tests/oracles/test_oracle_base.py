import numpy as np
import pytest

import oracles
from oracles.base import answer_records

SPECS = [
    "perfect",
    "noisy:0.5",
    "uniform-all:0.5",
    "pair:0.5",
    "cifar10-asym:0.5",
    "annotators:5:0.2-0.6",
    "annotators:5:0.5:round-robin:vote=3",
]


@pytest.mark.parametrize("spec", SPECS)
def test_reasking_returns_the_same_answer_at_no_cost(spec: str) -> None:
    oracle = oracles.parse(spec, 10)
    items = np.arange(500)
    true = items % 10
    first = oracle.annotate(items, true, np.random.default_rng(0))
    again = oracle.annotate(items[::-1], true[::-1], np.random.default_rng(1))
    assert again.labels.tolist() == first.labels[::-1].tolist()
    assert again.annotators == (None if first.annotators is None else first.annotators[::-1])
    assert (again.answers, again.cost) == ([], 0.0)


def test_a_fresh_oracle_with_another_seed_answers_differently() -> None:
    # Guards the memory test above: without memory, a new rng would change the answers.
    items = np.arange(500)
    a = oracles.parse("noisy:0.5", 10).annotate(items, items % 10, np.random.default_rng(0))
    b = oracles.parse("noisy:0.5", 10).annotate(items, items % 10, np.random.default_rng(1))
    assert a.labels.tolist() != b.labels.tolist()


def test_mixed_request_draws_only_new_items_once() -> None:
    oracle = oracles.parse("noisy:0.5", 4)
    old = oracle.annotate(np.array([3, 4]), np.array([0, 1]), np.random.default_rng(0))
    reply = oracle.annotate(
        np.array([4, 9, 9, 3]), np.array([1, 2, 2, 0]), np.random.default_rng(2)
    )
    assert [a.item for a in reply.answers] == [9]
    assert reply.cost == 1.0
    assert reply.labels[[3, 0]].tolist() == old.labels.tolist()
    assert reply.labels[1] == reply.labels[2]


def test_remember_restores_answers_and_annotators() -> None:
    oracle = oracles.parse("annotators:3:0.5", 4)
    oracle.remember(np.array([10, 11]), np.array([3, 2]), ["a2", "a3"])
    reply = oracle.annotate(np.array([11, 10]), np.array([0, 0]), np.random.default_rng(0))
    assert reply.labels.tolist() == [2, 3]
    assert reply.annotators == ["a3", "a2"]
    assert reply.answers == []


@pytest.mark.parametrize(
    ("indices", "true", "message"),
    [([0, 1], [0], "same shape"), ([0], [4], r"true labels must lie in 0\.\.3")],
)
def test_bad_requests(indices: list[int], true: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        oracles.parse("perfect", 4).annotate(
            np.array(indices), np.array(true), np.random.default_rng(0)
        )


def test_answer_records_are_long_form() -> None:
    reply = oracles.parse("annotators:2:0:round-robin", 3).annotate(
        np.array([7, 8]), np.array([2, 1]), np.random.default_rng(0)
    )
    assert answer_records(reply.answers) == [
        {"item": 7, "annotator": "a1", "label": 2},
        {"item": 8, "annotator": "a2", "label": 1},
    ]

"""Re-asking an annotator pool about items it answered: a new annotator, a plurality vote."""

from __future__ import annotations

import numpy as np
import pytest

import oracles
from oracles import Answer


def answered_pool(spec: str = "annotators:3:0.3", items: int = 200) -> oracles.Oracle:
    oracle = oracles.parse(spec, 4)
    oracle.annotate(np.arange(items), np.arange(items) % 4, np.random.default_rng(0))
    return oracle


def test_only_answered_items_with_an_annotator_left_can_be_reasked() -> None:
    oracle = answered_pool(items=10)
    assert oracle.reaskable(np.array([0, 9, 10])).tolist() == [True, True, False]
    for round_number in range(2):
        oracle.reask(np.array([0]), np.array([0]), np.random.default_rng(round_number))
    assert oracle.reaskable(np.array([0, 1])).tolist() == [False, True]
    with pytest.raises(ValueError, match="item 0 cannot be re-asked"):
        oracle.reask(np.array([0]), np.array([0]), np.random.default_rng(5))


def test_a_reask_goes_to_a_new_annotator_and_serves_the_plurality() -> None:
    oracle = answered_pool()
    first = oracle.annotate(np.arange(200), np.arange(200) % 4, np.random.default_rng(9))
    reply = oracle.reask(np.arange(200), np.arange(200) % 4, np.random.default_rng(1))
    assert reply.cost == 200 and len(reply.answers) == 200
    assert all(a.annotator != b for a, b in zip(reply.answers, first.annotators, strict=True))
    assert reply.annotators == [
        f"{b}+{a.annotator}" for a, b in zip(reply.answers, first.annotators, strict=True)
    ]
    # Two answers: agreeing ones stand; a disagreement is a tie, won by either answer.
    for old, new, served in zip(first.labels, reply.answers, reply.labels, strict=True):
        assert served in (old, new.label)
        if old == new.label:
            assert served == old
    ties = [
        (old, s)
        for old, a, s in zip(first.labels, reply.answers, reply.labels, strict=True)
        if old != a.label
    ]
    kept = sum(old == served for old, served in ties)
    assert 0.25 < kept / len(ties) < 0.75  # a seeded coin, not always the first answer
    # Served labels are remembered: asking again returns the new label at no cost.
    again = oracle.annotate(np.arange(200), np.arange(200) % 4, np.random.default_rng(3))
    assert np.array_equal(again.labels, reply.labels) and again.cost == 0


def test_a_third_answer_gives_a_majority() -> None:
    oracle = answered_pool(items=300)
    for seed in (1, 2):
        reply = oracle.reask(np.arange(300), np.arange(300) % 4, np.random.default_rng(seed))
    # Wrong 30% each: a majority of three is wrong about 0.3^2 (3 - 2 * 0.3) = 0.216 of the time
    # or less (two wrong answers must agree, or a three-way tie must fall on a wrong one).
    assert np.mean(reply.labels != np.arange(300) % 4) < 0.216


def test_restored_answers_reask_exactly_as_an_uninterrupted_pool() -> None:
    true = np.arange(200) % 4
    uninterrupted = oracles.parse("annotators:3:0.3", 4)
    given = uninterrupted.annotate(np.arange(200), true, np.random.default_rng(0))
    reference = uninterrupted.reask(np.arange(50), true[:50], np.random.default_rng(4))
    restored = oracles.parse("annotators:3:0.3", 4)
    restored.remember(np.arange(200), given.labels, given.annotators)
    restored.remember_answers([Answer(a.item, a.annotator, a.label) for a in given.answers])
    replay = restored.reask(np.arange(50), true[:50], np.random.default_rng(4))
    assert np.array_equal(replay.labels, reference.labels)
    assert replay.answers == reference.answers
    assert replay.annotators == reference.annotators


def test_a_single_annotator_cannot_be_reasked() -> None:
    oracle = oracles.parse("noisy:0.3", 4)
    oracle.annotate(np.arange(5), np.arange(5) % 4, np.random.default_rng(0))
    assert not oracle.reaskable(np.arange(5)).any()
    with pytest.raises(ValueError, match="has one annotator"):
        oracle.reask(np.arange(1), np.zeros(1, dtype=np.int64), np.random.default_rng(0))

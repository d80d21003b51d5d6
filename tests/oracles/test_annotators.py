import itertools
import json
from math import comb
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import oracles
from oracles import annotators
from oracles.annotators import AnnotatorPoolOracle
from oracles.uniform import uniform_matrix


def ask(oracle: oracles.Oracle, count: int, seed: int = 0, start: int = 0) -> oracles.Annotation:
    indices = np.arange(start, start + count)
    return oracle.annotate(indices, indices % oracle.num_classes, np.random.default_rng(seed))


def test_compact_pool_spreads_rates_evenly() -> None:
    oracle = oracles.parse("annotators:5:0.1-0.4", 10)
    assert oracle.annotator_ids() == ["a1", "a2", "a3", "a4", "a5"]
    rates = [p.error_rate for p in oracle.annotator_profiles()]
    np.testing.assert_allclose(rates, [0.1, 0.175, 0.25, 0.325, 0.4])
    np.testing.assert_allclose(oracle.transition_matrix(), uniform_matrix(10, 0.25), atol=1e-12)


def test_every_answer_records_who_gave_it_and_costs_add_up() -> None:
    oracle = oracles.parse("annotators:4:0.3:vote=3:cost=0.5", 5)
    reply = ask(oracle, 200)
    assert len(reply.answers) == 600
    assert reply.cost == pytest.approx(600 * 0.5)
    assert reply.annotators is not None
    for n, voters in enumerate(reply.annotators):
        given = reply.answers[3 * n : 3 * n + 3]
        assert [a.item for a in given] == [n, n, n]
        assert "+".join(a.annotator for a in given) == voters
        assert len(set(voters.split("+"))) == 3
        labels = [a.label for a in given]
        # The served label is a plurality answer among the voters' answers.
        assert labels.count(reply.labels[n]) == max(labels.count(y) for y in labels)


def test_costs_follow_the_annotator_who_answered(tmp_path: Path) -> None:
    pool = [{"id": "cheap", "rate": 0.4, "cost": 1}, {"id": "expert", "rate": 0.0, "cost": 10}]
    path = tmp_path / "pool.json"
    path.write_text(json.dumps({"annotators": pool}))
    reply = ask(oracles.parse(f"annotators:{path}", 3), 500, seed=1)
    assert reply.annotators is not None
    experts = reply.annotators.count("expert")
    assert 200 < experts < 300
    assert reply.cost == pytest.approx(10 * experts + (500 - experts))


def test_random_routing_uses_every_annotator_equally() -> None:
    reply = ask(oracles.parse("annotators:4:0.2", 3), 40_000, seed=2)
    assert reply.annotators is not None
    shares = np.array([reply.annotators.count(f"a{n}") for n in range(1, 5)]) / 40_000
    np.testing.assert_allclose(shares, 0.25, atol=5 * np.sqrt(0.25 * 0.75 / 40_000))


def test_round_robin_continues_across_requests_and_after_resume() -> None:
    oracle = oracles.parse("annotators:3:0.2:round-robin", 4)
    first = ask(oracle, 4)
    second = ask(oracle, 4, start=4)
    assert first.annotators == ["a1", "a2", "a3", "a1"]
    assert second.annotators == ["a2", "a3", "a1", "a2"]
    # A resumed run restores the answers and continues the rotation where it stopped.
    resumed = oracles.parse("annotators:3:0.2:round-robin", 4)
    resumed.remember(np.arange(4), first.labels, first.annotators)
    assert ask(resumed, 4, start=4).annotators == second.annotators


def binomial_majority_error(p: float, k: int) -> float:
    return sum(comb(k, j) * p**j * (1 - p) ** (k - j) for j in range(k // 2 + 1, k + 1))


@pytest.mark.parametrize("k", [3, 5])
def test_majority_vote_error_follows_the_binomial_formula(k: int, empirical_counts: Any) -> None:
    oracle = oracles.parse(f"annotators:{k + 2}:0.3:vote={k}", 2)
    expected = binomial_majority_error(0.3, k)
    assert 1 - oracle.transition_matrix()[0, 0] == pytest.approx(expected, abs=1e-12)
    counts = empirical_counts(oracle, 50_000, seed=3)
    wrong = 1 - np.trace(counts) / counts.sum()
    assert wrong == pytest.approx(expected, abs=5 * np.sqrt(expected * (1 - expected) / 1e5))


def test_vote_of_unequal_annotators_averages_over_voter_sets() -> None:
    rates = [0.1, 0.2, 0.3, 0.4]
    oracle = oracles.parse("annotators:4:0.1-0.4:vote=3", 2)
    expected = np.mean(
        [
            sum(
                np.prod([rates[a] if a in wrong else 1 - rates[a] for a in voters])
                for size in (2, 3)
                for wrong in itertools.combinations(voters, size)
            )
            for voters in itertools.combinations(range(4), 3)
        ]
    )
    assert oracle.transition_matrix()[1, 0] == pytest.approx(expected, abs=1e-12)


def test_vote_of_two_splits_ties_evenly(empirical_counts: Any, assert_matches_matrix: Any) -> None:
    # Two voters: agreement wins, disagreement is a coin flip, so P(vote) = mean of the rows.
    profiles = [
        oracles.base.AnnotatorProfile("x", np.array([[0.5, 0.5, 0], [0, 1, 0], [0, 0, 1]]), 1),
        oracles.base.AnnotatorProfile("y", np.array([[0.2, 0, 0.8], [0, 1, 0], [0, 0, 1]]), 1),
    ]
    oracle = AnnotatorPoolOracle("two", 3, profiles, vote=2)
    np.testing.assert_allclose(oracle.transition_matrix()[0], [0.35, 0.25, 0.4])
    assert_matches_matrix(empirical_counts(oracle, 20_000, seed=4), oracle.transition_matrix())


@pytest.mark.parametrize(
    "spec", ["annotators:5:0.1-0.5:vote=3", "annotators:4:0.1-0.6:round-robin:vote=3"]
)
def test_empirical_confusion_of_votes_matches_transition_matrix(
    spec: str, empirical_counts: Any, assert_matches_matrix: Any
) -> None:
    oracle = oracles.parse(spec, 6)
    assert_matches_matrix(empirical_counts(oracle, 8_000, seed=5), oracle.transition_matrix())


def test_large_votes_estimate_the_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = oracles.parse("annotators:5:0.2-0.6:vote=3", 4)
    exact = oracle.transition_matrix()
    monkeypatch.setattr(annotators, "EXACT_VOTE_WORK_LIMIT", 0)
    estimate = oracle.transition_matrix()
    assert not np.array_equal(estimate, exact)
    np.testing.assert_allclose(estimate, exact, atol=0.015)


def test_pool_file_with_matrices_routing_and_vote(tmp_path: Path) -> None:
    (tmp_path / "confused.csv").write_text("0,1\n1,0\n")
    pool = {
        "routing": "round-robin",
        "vote": 1,
        "annotators": [
            {"id": "good", "rate": 0.0, "cost": 2.5},
            {"id": "inline", "matrix": [[1, 0], [0.5, 0.5]]},
            {"id": "confused", "matrix": "confused.csv", "cost": 0},
        ],
    }
    (tmp_path / "pool.json").write_text(json.dumps(pool))
    oracle = oracles.parse(f"annotators:{tmp_path / 'pool.json'}", 2)
    reply = ask(oracle, 6)
    assert reply.annotators == ["good", "inline", "confused"] * 2
    assert reply.labels[[0, 3]].tolist() == [0, 1]  # "good" is always right
    assert reply.labels[[2, 5]].tolist() == [1, 0]  # "confused" always swaps
    assert reply.cost == pytest.approx(2 * (2.5 + 1 + 0))
    np.testing.assert_allclose(oracle.transition_matrix(), [[2 / 3, 1 / 3], [0.5, 0.5]])
    # Options in the spec override the file's.
    voted = oracles.parse(f"annotators:{tmp_path / 'pool.json'}:random:vote=3", 2)
    assert isinstance(voted, AnnotatorPoolOracle)
    assert (voted.routing, voted.vote) == ("random", 3)


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        ({"annotators": []}, "non-empty list of annotators"),
        ({"annotators": [{"rate": 0.1}], "seed": 1}, r"unknown keys \['seed'\]"),
        ([{"id": "a", "rate": 0.1, "matrix": [[1, 0], [0, 1]]}], "exactly one of"),
        ([{"id": "a", "rate": 1.5}], "rate 1.5 is outside"),
        ([{"id": "a", "rate": 0.1}, {"id": "a", "rate": 0.2}], "distinct"),
        ([{"id": "a", "matrix": [[1, 0], [0.2, 0.7]]}], r"'a' matrix row 1 \(true class 1\)"),
        ([{"id": "a", "rate": 0.1, "cost": "free"}], "cost must be a number"),
        ({"annotators": [{"rate": 0.1}], "vote": 2}, r"vote=2 needs between 1 and 1"),
        ({"annotators": [{"rate": 0.1}], "routing": "fair"}, "routing 'fair' is not one of"),
        ("just text", "must hold a JSON object or list"),
    ],
)
def test_bad_pool_files(tmp_path: Path, pool: object, message: str) -> None:
    path = tmp_path / "pool.json"
    path.write_text(json.dumps(pool))
    with pytest.raises(ValueError, match=message):
        oracles.parse(f"annotators:{path}", 2)


def test_three_way_ties_on_many_classes_are_broken_at_random() -> None:
    # 3 voters, rate r, K classes: right if >= 2 are right, or if exactly 1 is right, the two
    # wrong answers differ (probability (K-2)/(K-1)) and the random tie-break picks it (1/3).
    r, k = 0.2, 10
    right = (1 - r) ** 3 + 3 * (1 - r) ** 2 * r + 3 * (1 - r) * r**2 * (k - 2) / (k - 1) / 3
    matrix = oracles.parse("annotators:5:0.2:vote=3", k).transition_matrix()
    np.testing.assert_allclose(np.diag(matrix), right)
    assert 1 - right == pytest.approx(0.0756, abs=1e-4)  # the figure in docs/oracles.md

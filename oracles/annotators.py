"""A pool of simulated annotators, each with its own confusion matrix and cost per label.

Each item is routed to one annotator (``random``: uniformly at random; ``round-robin``: the
pool in turn, continuing across requests) or, with ``vote=k``, to ``k`` distinct annotators
whose answers are combined by plurality vote (ties broken uniformly at random among the tied
classes). Every individual answer is kept in long form with the annotator who gave it, and the
request's cost is the sum of the costs of all answers given.

A pool comes from a compact spec (``annotators:5:0.1-0.4``: five annotators ``a1``..``a5``
with uniform-noise rates spread evenly from 0.1 to 0.4) or a JSON file
(:mod:`oracles.pool_file`); see ``docs/oracles.md``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np

from oracles.base import Annotation, AnnotatorProfile, Answer, Oracle, SampleInput
from oracles.classcond import check_transition_matrix, cumulative_rows, draw_from_rows
from oracles.uniform import uniform_matrix

ROUTINGS = ("random", "round-robin")

#: Above this many multiply-adds, the vote's transition matrix is estimated by simulation.
EXACT_VOTE_WORK_LIMIT = 20_000_000
#: Simulated items per true class when the vote's transition matrix is estimated.
ESTIMATE_DRAWS_PER_CLASS = 20_000


class AnnotatorPoolOracle(Oracle):
    """Routes each item to one annotator, or to ``vote`` annotators and a plurality vote."""

    def __init__(
        self,
        spec: str,
        num_classes: int,
        profiles: list[AnnotatorProfile],
        routing: str = "random",
        vote: int = 1,
    ) -> None:
        super().__init__(spec, num_classes)
        _check_pool(profiles, routing, vote)
        self.profiles = [
            AnnotatorProfile(
                p.id,
                check_transition_matrix(p.matrix, num_classes, f"annotator {p.id!r} matrix"),
                float(p.cost),
                p.model,
            )
            for p in profiles
        ]
        self.routing = routing
        self.vote = vote
        self._ids = [p.id for p in self.profiles]
        self._costs = np.array([p.cost for p in self.profiles])
        self._cumulative = cumulative_rows(np.stack([p.matrix for p in self.profiles]))

    def sample_inputs(self) -> list[SampleInput]:
        wanted: list[SampleInput] = []
        for profile in self.profiles:
            if profile.model is not None:
                wanted += [w for w in profile.model.sample_inputs() if w not in wanted]
        return wanted

    def supply(self, inputs: dict[str, np.ndarray], noise_seed: int) -> None:
        """Supply every model-backed annotator, each with a noise seed of its own (two
        annotators with the same model must not make the same mistakes)."""
        for number, profile in enumerate(self.profiles):
            if profile.model is None:
                continue
            entropy = [noise_seed & 0xFFFFFFFF, number]
            seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
            wanted = {w.name: inputs[w.name] for w in profile.model.sample_inputs()}
            profile.model.supply(wanted, seed)
            self.profiles[number] = replace(profile, matrix=profile.model.transition_matrix())
        self._cumulative = cumulative_rows(np.stack([p.matrix for p in self.profiles]))

    def _model_votes(
        self,
        voters: np.ndarray,
        votes: np.ndarray,
        indices: np.ndarray,
        true_labels: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Replace the votes of model-backed annotators by their models' answers."""
        for number, profile in enumerate(self.profiles):
            rows, columns = np.nonzero(voters == number)
            if profile.model is not None and len(rows):
                reply = profile.model.annotate(indices[rows], true_labels[rows], rng)
                votes[rows, columns] = reply.labels
        return votes

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        # 1. Route: voters[n, t] is the t-th annotator asked about item n.
        voters = self._route(len(indices), len(self._memory), rng)
        # 2. Each voter answers from its own confusion-matrix row for the item's true class.
        votes = draw_from_rows(self._cumulative[voters, true_labels[:, None]], rng)
        votes = self._model_votes(voters, votes, indices, true_labels, rng)
        # 3. Combine.
        labels = votes[:, 0] if self.vote == 1 else plurality(votes, self.num_classes, rng)
        names = ["+".join(self._ids[v] for v in row) for row in voters]
        answers = [
            Answer(int(item), self._ids[v], int(y))
            for item, row, row_votes in zip(indices, voters, votes, strict=True)
            for v, y in zip(row, row_votes, strict=True)
        ]
        return Annotation(labels, names, answers, cost=float(self._costs[voters].sum()))

    def _route(self, count: int, position: int, rng: np.random.Generator | None) -> np.ndarray:
        """``(count, vote)`` annotator numbers; ``position`` = items answered before.

        Round-robin routing draws nothing, so ``rng`` may be None for it; random routing
        needs a generator.
        """
        size = len(self.profiles)
        if self.routing == "round-robin":
            # Depends only on how many items were answered before, so a resumed run that
            # restores its answers with remember() continues the same rotation.
            turn = position + np.arange(count)
            return (turn[:, None] * self.vote + np.arange(self.vote)) % size
        if rng is None:
            raise ValueError("random routing needs a random generator")
        if self.vote == 1:
            return rng.integers(0, size, size=(count, 1))
        # The vote smallest of size uniform keys: a uniformly random set of distinct voters.
        keys = rng.random((count, size))
        if self.vote == size:
            return np.argsort(keys, axis=1)
        return np.argpartition(keys, self.vote - 1, axis=1)[:, : self.vote]

    def transition_matrix(self) -> np.ndarray:
        matrices = np.stack([p.matrix for p in self.profiles])
        if self.vote == 1:
            # Both routings use every annotator equally often in the long run.
            return matrices.mean(axis=0)
        size = len(self.profiles)
        set_count = size if self.routing == "round-robin" else math.comb(size, self.vote)
        if set_count * self.num_classes ** (self.vote + 1) <= EXACT_VOTE_WORK_LIMIT:
            return exact_vote_matrix(matrices, self._voter_sets())
        return self._estimated_vote_matrix()

    def _voter_sets(self) -> list[tuple[int, ...]]:
        """The sets of annotators an item can be routed to, each equally likely."""
        size = len(self.profiles)
        if self.routing == "round-robin":
            # One full rotation of the router, so the sets cannot drift from _draw.
            return [tuple(int(v) for v in row) for row in self._route(size, 0, None)]
        return list(itertools.combinations(range(size), self.vote))

    def _estimated_vote_matrix(self) -> np.ndarray:
        """Simulate the vote with a fixed seed (standard error below 0.004 per entry)."""
        rng = np.random.default_rng(0)
        k = self.num_classes
        matrix = np.zeros((k, k))
        for true_class in range(k):
            for position in range(0, ESTIMATE_DRAWS_PER_CLASS, 2_000):
                voters = self._route(2_000, position, rng)
                votes = draw_from_rows(self._cumulative[voters, true_class], rng)
                labels = plurality(votes, k, rng)
                matrix[true_class] += np.bincount(labels, minlength=k)
        return matrix / matrix.sum(axis=1, keepdims=True)

    def reaskable(self, indices: np.ndarray) -> np.ndarray:
        size = len(self.profiles)
        return np.array(
            [
                int(i) in self._memory and len(self._answerers(int(i))) < size
                for i in np.asarray(indices).reshape(-1)
            ],
            dtype=bool,
        )

    def _answerers(self, item: int) -> set[str]:
        return {answer.annotator for answer in self._answers.get(item, [])}

    def reask(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        """One more answer per item from an annotator drawn among those who have not answered
        it; the served label becomes the plurality of all its answers (ties at random)."""
        labels, names, answers = [], [], []
        for item, true in zip(
            np.asarray(indices).tolist(), np.asarray(true_labels).tolist(), strict=True
        ):
            asked = self._answerers(item)
            available = [n for n, name in enumerate(self._ids) if name not in asked]
            if item not in self._memory or not available:
                raise ValueError(f"item {item} cannot be re-asked (unanswered, or by everyone)")
            chosen = available[int(rng.integers(len(available)))]
            label = int(draw_from_rows(self._cumulative[chosen, true][None], rng)[0])
            vote = self._model_votes(
                np.array([[chosen]]), np.array([[label]]), np.array([item]), np.array([true]), rng
            )
            label = int(vote[0, 0])
            answer = Answer(item, self._ids[chosen], label)
            every = [*self._answers.get(item, []), answer]
            served = int(plurality(np.array([[a.label for a in every]]), self.num_classes, rng)[0])
            who = "+".join(a.annotator for a in every)
            self._memory[item] = (served, who)
            self.remember_answers([answer])
            labels.append(served)
            names.append(who)
            answers.append(answer)
        cost = float(sum(self._costs[self._ids.index(a.annotator)] for a in answers))
        return Annotation(np.array(labels, dtype=np.int64), names, answers, cost)

    def annotator_ids(self) -> list[str]:
        return list(self._ids)

    def annotator_profiles(self) -> list[AnnotatorProfile]:
        return list(self.profiles)


def plurality(votes: np.ndarray, num_classes: int, rng: np.random.Generator) -> np.ndarray:
    """The most frequent class in each row of ``votes``; ties broken uniformly at random."""
    counts = (votes[..., None] == np.arange(num_classes)).sum(axis=1)
    tied = counts == counts.max(axis=1, keepdims=True)
    return np.argmax(np.where(tied, rng.random(counts.shape), -1.0), axis=1).astype(np.int64)


def exact_vote_matrix(matrices: np.ndarray, voter_sets: list[tuple[int, ...]]) -> np.ndarray:
    """``P(vote | true class)`` averaged over equally likely voter sets, by enumerating all
    ``K ** k`` combinations of answers (ties split evenly among the tied classes)."""
    num_classes, k = matrices.shape[1], len(voter_sets[0])
    outcomes = np.indices((num_classes,) * k).reshape(k, -1).T
    counts = (outcomes[..., None] == np.arange(num_classes)).sum(axis=1)
    tied = (counts == counts.max(axis=1, keepdims=True)).astype(float)
    winner = tied / tied.sum(axis=1, keepdims=True)
    total = np.zeros((num_classes, num_classes))
    for voter_set in voter_sets:
        probability = np.ones((num_classes, len(outcomes)))
        for t, annotator in enumerate(voter_set):
            probability *= matrices[annotator][:, outcomes[:, t]]
        total += probability @ winner
    return total / len(voter_sets)


def spread_pool(
    count: int, low: float, high: float, num_classes: int, cost: float = 1.0
) -> list[AnnotatorProfile]:
    """``count`` uniform-noise annotators ``a1``.. with rates evenly spaced from low to high."""
    if count < 1:
        raise ValueError(f"an annotator pool needs at least 1 annotator, got {count}")
    rates = np.linspace(low, high, count)
    return [
        AnnotatorProfile(f"a{n + 1}", uniform_matrix(num_classes, float(rate)), cost)
        for n, rate in enumerate(rates)
    ]


def _check_pool(profiles: list[AnnotatorProfile], routing: str, vote: int) -> None:
    if not profiles:
        raise ValueError("an annotator pool needs at least 1 annotator")
    ids = [p.id for p in profiles]
    if len(set(ids)) != len(ids) or any(not i or "+" in i for i in ids):
        raise ValueError("annotator ids must be distinct, non-empty and free of '+'")
    if routing not in ROUTINGS:
        raise ValueError(f"routing {routing!r} is not one of {', '.join(ROUTINGS)}")
    if not 1 <= vote <= len(profiles):
        raise ValueError(f"vote={vote} needs between 1 and {len(profiles)} (the pool size)")
    for p in profiles:
        if not (math.isfinite(p.cost) and p.cost >= 0):
            raise ValueError(f"annotator {p.id!r} cost {p.cost} must be a number >= 0")

"""The oracle interface: a simulated annotator that the engine asks for labels.

Orientation used everywhere in palsim: a transition matrix ``T[true, given]`` is
row-stochastic, ``T[i, j] = P(answer j | true class i)``. (cleanlab's ``noise_matrix`` is
the transpose: ``noise_matrix[given, true]``.)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Answer:
    """One label given by one annotator for one item (long form, as crowd-label tools read)."""

    item: int
    annotator: str
    label: int


@dataclass(frozen=True)
class Annotation:
    """The oracle's reply to one request.

    ``labels[i]`` is the label the learner receives for ``indices[i]``; ``annotators[i]`` names
    who answered it (for a majority vote, the voters joined by ``+``), or is None for a
    single-annotator oracle; ``answers`` lists every individual answer given for this request
    in long form (items answered before are served from memory and add no answers); ``cost``
    is the total labeling cost of those answers.
    """

    labels: np.ndarray
    annotators: list[str] | None
    answers: list[Answer] = field(default_factory=list)
    cost: float = 0.0


@dataclass(frozen=True)
class AnnotatorProfile:
    """One annotator of an oracle: its name, confusion matrix ``T[true, given]`` and cost.

    With a ``model`` (a single-annotator oracle such as ``idn:0.3``), the annotator's answers
    come from that model, and ``matrix`` is the model's (realised) transition matrix.
    """

    id: str
    matrix: np.ndarray
    cost: float
    model: Oracle | None = None

    @property
    def error_rate(self) -> float:
        """P(wrong answer), averaged over true classes with equal weight."""
        return float(1.0 - np.mean(np.diag(self.matrix)))


@dataclass(frozen=True)
class SampleInput:
    """A per-training-sample array an oracle needs from the engine before its first request.

    The engine computes it (with torch where needed) and hands it over as numpy through
    :meth:`Oracle.supply`, keyed by ``name``; see ``docs/oracles.md`` for the names.
    """

    name: str  # "train-labels" | "train-images" | "reference-probabilities"
    options: tuple[tuple[str, str], ...] = ()  # provider settings, e.g. (("model", "linear"),)


def answer_records(answers: list[Answer]) -> list[dict[str, int | str]]:
    """Long-form rows ``{"item", "annotator", "label"}`` for a JSONL or CSV annotation log."""
    return [{"item": a.item, "annotator": a.annotator, "label": a.label} for a in answers]


class Oracle(ABC):
    """Answers label requests; an item's answer is fixed once given.

    Subclasses implement :meth:`_draw` (fresh answers for items never asked before) and
    :meth:`transition_matrix`. Memory lives here, so every model shares it.
    """

    #: Name of the single annotator in long-form logs.
    annotator_name = "oracle"

    def __init__(self, spec: str, num_classes: int) -> None:
        if num_classes < 2:
            raise ValueError(f"an oracle needs at least 2 classes, got {num_classes}")
        self.spec = spec
        self.num_classes = num_classes
        self._memory: dict[int, tuple[int, str | None]] = {}
        #: Every individual answer per item, in the order given (re-asks aggregate over it).
        self._answers: dict[int, list[Answer]] = {}

    def annotate(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        """Label ``indices`` whose true classes are ``true_labels``; ``rng`` drives the noise."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        true_labels = np.asarray(true_labels, dtype=np.int64).reshape(-1)
        if indices.shape != true_labels.shape:
            raise ValueError("indices and true_labels must have the same shape")
        if true_labels.size and (true_labels.min() < 0 or true_labels.max() >= self.num_classes):
            raise ValueError(f"true labels must lie in 0..{self.num_classes - 1}")
        # 1. Items never asked before, each once, in request order.
        _, first = np.unique(indices, return_index=True)
        first.sort()
        fresh = first[np.array([int(indices[i]) not in self._memory for i in first], dtype=bool)]
        answers: list[Answer] = []
        cost = 0.0
        # 2. Draw their answers and remember them.
        if fresh.size:
            reply = self._draw(indices[fresh], true_labels[fresh], rng)
            names: list[str | None] = [None] * len(reply.labels)
            if reply.annotators is not None:
                names = list(reply.annotators)
            for item, label, who in zip(indices[fresh], reply.labels, names, strict=True):
                self._memory[int(item)] = (int(label), who)
            answers, cost = reply.answers, reply.cost
            self.remember_answers(answers)
        # 3. Serve every requested item from memory.
        labels = np.array([self._memory[int(i)][0] for i in indices], dtype=np.int64)
        who_list = [self._memory[int(i)][1] for i in indices]
        annotators = None if all(w is None for w in who_list) else [w or "" for w in who_list]
        return Annotation(labels=labels, annotators=annotators, answers=answers, cost=cost)

    @abstractmethod
    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        """Draw fresh answers for distinct items never asked before."""

    @abstractmethod
    def transition_matrix(self) -> np.ndarray:
        """Expected ``P(answer | true class)`` as a K x K row-stochastic matrix ``T[true, given]``.

        For an annotator pool it is averaged over the annotators as the routing uses them.
        """

    def annotator_ids(self) -> list[str] | None:
        """The annotators' names, or None for a single-annotator oracle."""
        return None

    def annotator_profiles(self) -> list[AnnotatorProfile]:
        """Every annotator with its confusion matrix and cost per label."""
        return [AnnotatorProfile(self.annotator_name, self.transition_matrix(), 1.0)]

    def remember(
        self,
        indices: np.ndarray,
        labels: np.ndarray,
        annotators: Sequence[str | None] | None = None,
    ) -> None:
        """Restore answers given earlier (used when a run resumes), with who gave them.

        ``annotators`` holds, per item, the name :meth:`annotate` reported (None or "" for a
        single-annotator oracle). Restoring every earlier answer also restores a round-robin
        pool's position.
        """
        names: list[str | None] = list(annotators) if annotators else [None] * len(labels)
        for item, label, who in zip(indices, labels, names, strict=True):
            self._memory[int(item)] = (int(label), who or None)

    def sample_inputs(self) -> list[SampleInput]:
        """Per-sample arrays this model needs before its first request (none by default)."""
        return []

    def supply(self, inputs: dict[str, np.ndarray], noise_seed: int) -> None:  # noqa: B027
        """Receive the arrays :meth:`sample_inputs` asked for, and the run's noise seed.

        The engine calls it once, before the first request, for every oracle; models that
        need nothing ignore it.
        """

    def remember_answers(self, answers: Sequence[Answer]) -> None:
        """Restore individual answers (long form) given earlier; re-asks aggregate over them."""
        for answer in answers:
            self._answers.setdefault(answer.item, []).append(answer)

    def reaskable(self, indices: np.ndarray) -> np.ndarray:
        """Per item, whether :meth:`reask` can get a new answer for it (an annotator who has not
        answered it yet). A single-annotator oracle's answer is fixed, so never."""
        return np.zeros(len(indices), dtype=bool)

    def reask(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        """Ask again about items answered before; each gets one more answer from a new
        annotator, and the served label becomes the plurality of all its answers."""
        raise ValueError(f"oracle {self.spec!r} has one annotator; re-asking returns its answer")

    def single_reply(self, indices: np.ndarray, labels: np.ndarray) -> Annotation:
        """The reply of a single-annotator oracle: ``labels`` for ``indices``, one per item."""
        answers = [
            Answer(int(i), self.annotator_name, int(y))
            for i, y in zip(indices, labels, strict=True)
        ]
        return Annotation(labels, None, answers, cost=float(len(labels)))

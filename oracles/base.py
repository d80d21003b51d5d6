"""The oracle interface: a simulated annotator that the engine asks for labels.

Orientation used everywhere in palsim: a transition matrix ``T[true, given]`` is
row-stochastic, ``T[i, j] = P(answer j | true class i)``. (cleanlab's ``noise_matrix`` is
the transpose.)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
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
    single-annotator oracle; ``answers`` lists every individual answer in long form; ``cost``
    is the total labeling cost of this request.
    """

    labels: np.ndarray
    annotators: list[str] | None
    answers: list[Answer] = field(default_factory=list)
    cost: float = 0.0


class Oracle(ABC):
    """Answers label requests; an item's answer is fixed once given unless a model says otherwise.

    Subclasses implement :meth:`_draw` (fresh answers) and :meth:`transition_matrix`.
    """

    #: Name of the single annotator in long-form logs.
    annotator_name = "oracle"

    def __init__(self, spec: str, num_classes: int) -> None:
        if num_classes < 2:
            raise ValueError(f"an oracle needs at least 2 classes, got {num_classes}")
        self.spec = spec
        self.num_classes = num_classes
        self._memory: dict[int, tuple[int, str | None]] = {}

    def annotate(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        """Label ``indices`` whose true classes are ``true_labels``; ``rng`` drives the noise."""
        indices = np.asarray(indices, dtype=np.int64)
        true_labels = np.asarray(true_labels, dtype=np.int64)
        if indices.shape != true_labels.shape:
            raise ValueError("indices and true_labels must have the same shape")
        if true_labels.size and (true_labels.min() < 0 or true_labels.max() >= self.num_classes):
            raise ValueError(f"true labels must lie in 0..{self.num_classes - 1}")
        fresh = np.array([int(i) not in self._memory for i in indices], dtype=bool)
        if fresh.any():
            reply = self._draw(indices[fresh], true_labels[fresh], rng)
            names = reply.annotators or [None] * len(reply.labels)
            for item, label, who in zip(indices[fresh], reply.labels, names, strict=True):
                self._memory[int(item)] = (int(label), who)
            answers, cost = reply.answers, reply.cost
        else:
            answers, cost = [], 0.0
        labels = np.array([self._memory[int(i)][0] for i in indices], dtype=np.int64)
        who_list = [self._memory[int(i)][1] for i in indices]
        annotators = None if all(w is None for w in who_list) else [w or "" for w in who_list]
        return Annotation(labels=labels, annotators=annotators, answers=answers, cost=cost)

    @abstractmethod
    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        """Draw fresh answers for items never asked before."""

    @abstractmethod
    def transition_matrix(self) -> np.ndarray:
        """Expected ``P(answer | true class)`` as a K x K row-stochastic matrix."""

    def annotator_ids(self) -> list[str] | None:
        """The annotators' names, or None for a single-annotator oracle."""
        return None

    def remember(self, indices: np.ndarray, labels: np.ndarray) -> None:
        """Restore answers given earlier (used when a run resumes)."""
        for item, label in zip(indices, labels, strict=True):
            self._memory[int(item)] = (int(label), self._memory.get(int(item), (0, None))[1])

    def single_answers(self, indices: np.ndarray, labels: np.ndarray) -> list[Answer]:
        """Long-form answers for a single-annotator oracle."""
        return [
            Answer(int(i), self.annotator_name, int(y)) for i, y in zip(indices, labels, strict=True)
        ]

"""Asking again: which labels already given a cycle re-asks, instead of querying new samples.

``--relabel POLICY --relabel-share F`` spends ``round(F * budget)`` of each cycle's budget on
re-asking labeled samples (each gets one more answer from an annotator who has not answered
it; the served label becomes the plurality of its answers) and the rest on new samples.

- ``none``: never re-ask (the default).
- ``random``: re-ask samples drawn uniformly from those that can still be re-asked.
- ``disagree``: re-ask the samples whose served label the trained task model most confidently
  contradicts: the highest probability the model gives to a class other than the served one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from oracles import Annotation, Oracle
from palsim.registry import Registry
from palsim.train import predict_probabilities


@dataclass(frozen=True)
class RelabelContext:
    """What a policy looks at: the labeled set, its served labels and this cycle's model."""

    candidates: np.ndarray  # positions in the labeled list that can still be re-asked
    images: torch.Tensor  # uint8 images of the candidates, on the model's device
    served: np.ndarray  # the served label of each candidate
    model: torch.nn.Module  # the task model trained this cycle
    eval_batch_size: int  # samples per forward pass
    rng: np.random.Generator  # derived from (run seed, cycle, "relabel")


#: A policy returns ``count`` distinct entries of ``candidates`` (fewer when there are fewer).
Policy = Callable[[RelabelContext, int], np.ndarray]
RELABEL_POLICIES: Registry[Policy | None] = Registry("relabel policy")
RELABEL_POLICIES.register("none", "never re-ask a label")(None)


@RELABEL_POLICIES.register("random", "re-ask labeled samples drawn at random")
def random_policy(context: RelabelContext, count: int) -> np.ndarray:
    count = min(count, len(context.candidates))
    return np.sort(context.rng.choice(context.candidates, size=count, replace=False))


@RELABEL_POLICIES.register("disagree", "re-ask labels the task model most confidently contradicts")
def disagree_policy(context: RelabelContext, count: int) -> np.ndarray:
    count = min(count, len(context.candidates))
    if count == 0:
        return context.candidates[:0]
    probabilities = predict_probabilities(context.model, context.images, context.eval_batch_size)
    contradiction = contradiction_score(probabilities.cpu().numpy(), context.served)
    # Stable order: equal scores keep the labeled set's order, so the choice is reproducible.
    order = np.argsort(-contradiction, kind="stable")[:count]
    return np.sort(context.candidates[order])


def contradiction_score(probabilities: np.ndarray, served: np.ndarray) -> np.ndarray:
    """The highest probability of a class other than the served one, per sample."""
    others = probabilities.copy()
    others[np.arange(len(served)), served] = -1.0
    return others.max(axis=1)


def reask_count(policy: str, share: float, budget: int) -> int:
    """Samples re-asked per cycle: ``round(share * budget)`` (0 for ``none``)."""
    RELABEL_POLICIES.get(policy)
    if not 0.0 <= share < 1.0:
        raise ValueError(f"--relabel-share {share} must lie in [0, 1)")
    if policy == "none":
        return 0
    count = round(share * budget)
    if count < 1:
        raise ValueError(
            f"--relabel {policy} with --relabel-share {share} re-asks no sample of a budget of "
            f"{budget}; raise the share"
        )
    return count


@dataclass(frozen=True)
class Reasked:
    """The outcome of one cycle's re-asks."""

    positions: np.ndarray  # entries of the labeled list that were re-asked
    before: np.ndarray  # their served labels before
    annotation: Annotation  # the oracle's reply: new served labels, who, answers, cost


def reask_labeled(
    oracle: Oracle,
    policy: str,
    count: int,
    items: np.ndarray,
    served: np.ndarray,
    true_labels: np.ndarray,
    images: Callable[[np.ndarray], torch.Tensor],
    model: torch.nn.Module,
    eval_batch_size: int,
    policy_rng: np.random.Generator,
    oracle_rng: np.random.Generator,
) -> Reasked:
    """Choose up to ``count`` labeled samples by ``policy`` and re-ask the oracle about them.

    ``items``, ``served`` and ``true_labels`` describe the labeled list (training indices,
    served and true labels); ``images(positions)`` returns the images of list entries.
    """
    choose = RELABEL_POLICIES.get(policy)
    candidates = np.flatnonzero(oracle.reaskable(items))
    positions = candidates[:0]
    if choose is not None and len(candidates):
        context = RelabelContext(
            candidates, images(candidates), served[candidates], model, eval_batch_size, policy_rng
        )
        positions = choose(context, count)
    annotation = oracle.reask(items[positions], true_labels[positions], oracle_rng)
    return Reasked(positions, served[positions].copy(), annotation)

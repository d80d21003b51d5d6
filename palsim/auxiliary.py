"""The hook through which a strategy trains a network of its own jointly with the task model.

Most strategies read the trained task model; some (Learning Loss) need a module trained
*alongside* it, on the task model's intermediate features and per-sample losses. A strategy
supplies an :class:`AuxiliaryObjective` (``Strategy.auxiliary_objective``); the loop hands it
to :func:`palsim.train.train_classifier`, which adds ``objective.loss(...)`` to each step's
cross-entropy and trains ``objective.module`` with the same optimizer, and then passes it to
the strategy's ``select`` through ``QueryContext.auxiliary``. The loop never asks which
strategy it runs.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn


class AuxiliaryObjective(ABC):
    """An extra loss term and the module it trains, read off the task model's features.

    ``module`` is built (seeded) when the objective is created; its parameters join the task
    model's optimizer, so it is re-trained from scratch with the task model every cycle and
    needs no checkpoint of its own.
    """

    module: nn.Module

    @abstractmethod
    def feature_modules(self, model: nn.Module) -> list[nn.Module]:
        """Modules of ``model`` whose outputs the objective reads, in the order it expects."""

    @abstractmethod
    def loss(
        self, features: Sequence[torch.Tensor], per_sample_loss: torch.Tensor, progress: float
    ) -> torch.Tensor:
        """The term added to the task loss (the batch's mean cross-entropy).

        ``features`` are the outputs of :meth:`feature_modules` for the batch, still attached
        to the task model's graph; ``per_sample_loss`` the batch's cross-entropies (attached
        too); ``progress`` the share of the planned optimizer steps already taken, in [0, 1).
        """


@contextlib.contextmanager
def capture_outputs(modules: Sequence[nn.Module]) -> Iterator[list[torch.Tensor | None]]:
    """Record each module's latest output while the block runs (forward hooks, removed after).

    Yields a list with one slot per module, overwritten by every forward pass.
    """
    outputs: list[torch.Tensor | None] = [None] * len(modules)

    def recorder(slot: int) -> Callable[[nn.Module, object, torch.Tensor], None]:
        def hook(module: nn.Module, inputs: object, output: torch.Tensor) -> None:
            outputs[slot] = output

        return hook

    handles = [module.register_forward_hook(recorder(i)) for i, module in enumerate(modules)]
    try:
        yield outputs
    finally:
        for handle in handles:
            handle.remove()

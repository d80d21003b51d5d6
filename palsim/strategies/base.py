"""The strategy interface: given the state of a study, choose which pool samples to label.

The loop hands every strategy the same :class:`QueryContext` and never asks which strategy
it is talking to. A strategy may use the trained task model (uncertainty, embeddings), or
train networks of its own (PAL, VAAL) from the pool images, seeded from ``ctx.seed``.
"""

from __future__ import annotations

import dataclasses
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from palsim.auxiliary import AuxiliaryObjective
from palsim.events import Event
from palsim.train import TrainSettings


@dataclass
class QueryContext:
    """Everything a strategy may look at when it chooses samples.

    Indices are positions in the pool (``pool_images``). ``labels`` are the oracle's answers
    for ``labeled`` and may be wrong; the pool's true labels are deliberately absent. In a
    segmentation study ``model`` gives per-pixel logits ``(B, K, H, W)`` and ``labels`` are
    the answered masks' largest classes.
    """

    cycle: int  # 0-based AL cycle
    pool_images: torch.Tensor  # uint8 (N, C, H, W) on ``device``
    labeled: torch.Tensor  # int64 pool indices labeled so far
    labels: torch.Tensor  # int64 oracle labels of ``labeled`` (possibly noisy)
    unlabeled: torch.Tensor  # int64 pool indices a strategy may choose from
    model: torch.nn.Module  # the task model trained this cycle (a palsim.models.TaskModel)
    num_classes: int
    device: torch.device
    generator: torch.Generator  # on the CPU; derived from (run seed, cycle, "strategy")
    seed: int  # integer seed derived from (run seed, cycle, "strategy"), for networks
    train: TrainSettings
    preset: str  # "quick" or "paper": strategies size their own networks by it
    emit: Callable[[Event], None] = lambda event: None  # progress events (phase, epoch)
    #: The strategy's own objective, trained with ``model`` (None unless it supplied one).
    auxiliary: AuxiliaryObjective | None = None
    run_seed: int = 0  # the run's seed, for what a strategy computes once per run
    #: What a strategy computes once per run (a pool embedding), keyed by what it depends on;
    #: one dict for the whole run, shared by the initial draw and every cycle.
    run_cache: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Segmentation: the oracle's uint8 masks of ``labeled`` (N, H, W), 255 where ignored, on
    #: ``device``; None in a classification study.
    masks: torch.Tensor | None = None
    model_name: str = ""  # the task model's registered name (a scorer may copy its network)


@dataclass(frozen=True)
class Selection:
    """The chosen pool indices and, optionally, the strategy score of each (higher = preferred).

    ``diagnostics`` is the generic channel through which a strategy that trains networks of
    its own reports how well they learned; the loop copies it into the cycle record as is.
    """

    indices: torch.Tensor  # int64 pool indices, distinct, a subset of ctx.unlabeled
    scores: torch.Tensor | None = None  # float, aligned with indices
    diagnostics: dict[str, Any] = dataclasses.field(default_factory=dict)  # JSON: query, record
    warnings: tuple[str, ...] = ()  # one line per network that ended near chance


@dataclass(frozen=True)
class NoOptions:
    """For strategies without options."""


class Strategy(ABC):
    """Base class: subclasses set ``Options`` (a frozen dataclass) and implement ``select``."""

    Options: ClassVar[type] = NoOptions
    #: Dropout before the task model's linear head (MC-dropout strategies set it above 0).
    task_dropout: ClassVar[float] = 0.0
    #: Short citation shown by `palsim list strategies` (the docstring has the full one).
    reference: ClassVar[str] = ""
    #: Chooses well without labels or a trained task model: may draw the initial labeled set
    #: (``--initial-strategy``), where ``ctx.labeled`` is empty and ``ctx.model`` untrained.
    cold_start: ClassVar[bool] = False
    #: The task types (palsim.datasets.TASKS) the strategy can query for; others are refused
    #: before any data is loaded.
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, options: Mapping[str, str] | None = None) -> None:
        self.options: Any = parse_options(self.Options, options or {})

    def check_task(self, task: str) -> None:
        """Raise ValueError when the options do not fit ``task`` (checked before data loads).

        The default: every option fits every task in :attr:`tasks`, and no other task.
        """
        if task not in self.tasks:
            raise ValueError(f"{type(self).__name__} cannot query for {task}")

    def check_images(self, task: str, shape: tuple[int, ...]) -> None:
        """Raise ValueError when the options do not fit images of ``shape`` (C, H, W).

        Checked once the data is loaded, before anything is written. The default: any shape.
        """
        return None

    def auxiliary_objective(self, model: torch.nn.Module) -> AuxiliaryObjective | None:
        """An objective to train jointly with this cycle's task ``model``, or None (the default).

        Called by the loop under the cycle's seeded model RNG, after the task model is built
        and on its device; the objective reaches :meth:`select` as ``ctx.auxiliary``.
        """
        return None

    @abstractmethod
    def select(self, ctx: QueryContext, budget: int) -> Selection:
        """Return ``budget`` distinct indices from ``ctx.unlabeled``."""


def at_least(minimum: int) -> dict[str, int]:
    """Field metadata: the option must be at least ``minimum`` (others: at least 0)."""
    return {"minimum": minimum}


def parse_options(options_type: type, raw: Mapping[str, str]) -> Any:
    """Build ``options_type`` from ``key=value`` strings, converting by the field defaults.

    Unknown keys, unconvertible values, numbers that are not finite, negative or below a
    field's :func:`at_least` raise ValueError naming the key (and the valid keys).
    """
    fields = {f.name: f for f in dataclasses.fields(options_type)}
    values: dict[str, Any] = {}
    for key, text in raw.items():
        name = key.replace("-", "_")
        if name not in fields:
            valid = ", ".join(fields) or "none"
            raise ValueError(f"unknown strategy option {key!r}; valid options: {valid}")
        default = fields[name].default
        value = _convert(key, text, default)
        minimum = fields[name].metadata.get("minimum", 0)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and (not math.isfinite(value) or value < minimum):
            floor = f", at least {minimum}" if math.isfinite(minimum) else ""
            raise ValueError(f"strategy option {key}={text!r}: must be a finite number{floor}")
        values[name] = value
    return options_type(**values)


def _convert(key: str, text: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        kind = type(default).__name__
        raise ValueError(f"strategy option {key}={text!r} is not a valid {kind}") from None
    return text


def top_k(scores: torch.Tensor, candidates: torch.Tensor, k: int) -> Selection:
    """Pick the ``k`` highest-scoring candidates (ties broken by lower position, deterministic)."""
    order = torch.argsort(scores, descending=True, stable=True)[:k]
    return Selection(indices=candidates[order.to(candidates.device)], scores=scores[order])

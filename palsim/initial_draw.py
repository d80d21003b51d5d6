"""``--initial-strategy``: the initial labeled set chosen by a cold-start strategy.

The strategy sees an empty labeled set, the samples it may choose as ``unlabeled`` (those
outside any excluded classes) and, as its task model, one freshly initialised and untrained
(a cold-start strategy does not read it). Its random streams come from (run seed, cycle -1,
purpose), so a replay draws the same set; its run cache is the run's, so the embedding it
computes serves every later cycle too. Its progress events (cycle -1) go to a ``show`` sink
for the user, not to the run's log: they come before its ``run_started`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from palsim.events import INITIAL_CYCLE, Event
from palsim.models import build_model
from palsim.seeds import derive_seed, torch_generator
from palsim.strategies.base import QueryContext, Selection, Strategy, TrainSettings
from palsim.train import prepare, seeded


def draw_initial(
    strategy: Strategy,
    pool_images: torch.Tensor,
    allowed: np.ndarray,
    count: int,
    model: tuple[str, int, list[float], list[float]],
    settings: TrainSettings,
    seed: int,
    preset: str,
    run_cache: dict[str, Any],
    show: Callable[[Event], None] = lambda event: None,
) -> Selection:
    """``strategy``'s choice of ``count`` pool positions among ``allowed`` (unchecked).

    ``model`` is (task model name, number of classes, channel mean, channel std).
    """
    device = pool_images.device
    name, num_classes, mean, std = model
    with seeded(derive_seed(seed, INITIAL_CYCLE, "model")):
        untrained = prepare(build_model(name, pool_images.shape[1], num_classes, mean, std), device)
    untrained.eval()
    empty = torch.empty(0, dtype=torch.long, device=device)
    context = QueryContext(
        cycle=INITIAL_CYCLE,
        pool_images=pool_images,
        labeled=empty,
        labels=empty,
        unlabeled=torch.from_numpy(allowed).to(device),
        model=untrained,
        num_classes=num_classes,
        device=device,
        generator=torch_generator(seed, INITIAL_CYCLE, "initial-strategy"),
        seed=derive_seed(seed, INITIAL_CYCLE, "initial-strategy"),
        train=settings,
        preset=preset,
        run_seed=seed,
        run_cache=run_cache,
        emit=show,
    )
    with seeded(derive_seed(seed, INITIAL_CYCLE, "initial-strategy-torch")):
        return strategy.select(context, count)

"""A hand-made QueryContext over a tiny random pool, for strategy tests without a dataset."""

from __future__ import annotations

import torch

from palsim.strategies.base import QueryContext, TrainSettings


def tiny_context(
    model: torch.nn.Module, seed: int = 0, pool: int = 40, labeled: int = 10, side: int = 28
) -> QueryContext:
    """``pool`` random 1-channel images, the first ``labeled`` of them labeled (4 classes)."""
    images = torch.randint(
        0, 256, (pool, 1, side, side), generator=torch.Generator().manual_seed(7)
    )
    images = images.to(torch.uint8)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return QueryContext(
        cycle=0,
        pool_images=images,
        labeled=torch.arange(labeled),
        labels=torch.arange(labeled) % 4,
        unlabeled=torch.arange(labeled, pool),
        model=model,
        num_classes=4,
        device=torch.device("cpu"),
        generator=generator,
        seed=seed,
        train=TrainSettings(
            epochs=1, batch_size=8, learning_rate=0.05, eval_batch_size=16, augment=False
        ),
        preset="quick",
    )

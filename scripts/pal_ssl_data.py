"""PAL's scorer with the rotation loss on the labeled set (the paper) against the labeled set
plus the unlabeled pool (``-S ssl_data=pool``), on one quick-preset query of Fashion-MNIST.

Both settings see the same cycle-0 state as ``palsim run --strategy pal`` with a perfect
oracle: the quick preset's 10,000-image pool, its 500-image initial labeled set, a query of
500, the same strategy seeds. Prints, per setting, the scorer's rotation accuracy on the
fixed 1,000-image pool probe and on its labeled set, its class accuracy on the labeled set and
the query time; then how many picks the two settings share. docs/pal.md quotes its output.

    nice -n 19 .venv/bin/python scripts/pal_ssl_data.py
    nice -n 19 .venv/bin/python scripts/pal_ssl_data.py --seed 1
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from palsim.config import PRESETS
from palsim.datasets import load_dataset
from palsim.loop import choose_pool
from palsim.seeds import derive_seed, numpy_rng, torch_generator
from palsim.strategies.base import QueryContext, TrainSettings
from palsim.strategies.pal import PalStrategy
from palsim.train import seeded

QUICK = PRESETS["quick"]


def cycle_zero(seed: int) -> QueryContext:
    """The state a quick-preset ``palsim run --strategy pal --seed SEED`` queries in cycle 0."""
    dataset = load_dataset("fashion-mnist", download=False)
    pool = choose_pool(len(dataset.train_labels), QUICK["pool_size"], seed)
    initial = int(QUICK["initial"])
    chosen = np.sort(numpy_rng(seed, 0, "initial").choice(len(pool), initial, replace=False))
    labeled = torch.from_numpy(chosen)
    mask = torch.ones(len(pool), dtype=torch.bool)
    mask[labeled] = False
    return QueryContext(
        cycle=0,
        pool_images=dataset.train_images[torch.from_numpy(pool)],
        labeled=labeled,
        labels=dataset.train_labels[torch.from_numpy(pool[chosen])],  # a perfect oracle
        unlabeled=torch.nonzero(mask).flatten(),
        model=torch.nn.Identity(),  # PAL does not read the task model
        num_classes=dataset.num_classes,
        device=torch.device("cpu"),
        generator=torch_generator(seed, 0, "strategy"),
        seed=derive_seed(seed, 0, "strategy"),
        train=TrainSettings(
            QUICK["epochs"],
            QUICK["batch_size"],
            QUICK["learning_rate"],
            QUICK["eval_batch_size"],
            True,
            QUICK["min_steps"],
        ),
        preset="quick",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    budget = int(QUICK["budget"])
    picks: dict[str, set[int]] = {}
    for ssl_data in ("labeled", "pool"):
        context = cycle_zero(args.seed)
        started = time.perf_counter()
        with seeded(derive_seed(args.seed, 0, "strategy-torch")):
            selection = PalStrategy({"ssl_data": ssl_data}).select(context, budget)
        seconds = time.perf_counter() - started
        picks[ssl_data] = set(selection.indices.tolist())
        numbers = {
            key: round(selection.diagnostics[key], 4)
            for key in (
                "pal_rotation_accuracy_pool",
                "pal_rotation_accuracy_labeled",
                "pal_class_accuracy_labeled",
            )
        }
        print(json.dumps({"ssl_data": ssl_data, **numbers, "query_seconds": round(seconds, 1)}))
    shared = len(picks["labeled"] & picks["pool"])
    print(json.dumps({"shared_picks": shared, "budget": budget, "share": shared / budget}))


if __name__ == "__main__":
    main()

"""PAL's segmentation scorer on the quick preset: pretext accuracy against optimizer steps.

The cycle-0 state of ``palsim run --dataset fashion-scenes --strategy pal`` with a perfect
oracle (the 2,000-canvas pool, its 60-image initial set, the same strategy seeds). For each
step count, a fresh small-fcn scorer is trained on the 60 masks (pixel CE + contrastive
InfoNCE, batch 16, lr 0.05, as on the quick preset) and measured: the contrastive top-1
accuracy on the fixed 1,000-image pool probe (groups of 32, chance 1/32) and on its labeled
set, and its pixel accuracy on the labeled masks. docs/pal.md quotes the output; the quick
preset's SEGMENTATION_MIN_STEPS is read from it.

    nice -n 19 .venv/bin/python scripts/pal_segmentation_steps.py
    nice -n 19 .venv/bin/python scripts/pal_segmentation_steps.py --steps 50,150 --seed 1
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from palsim.config import PRESETS
from palsim.datasets import Dataset, load_dataset
from palsim.models import channel_stats
from palsim.seeds import derive_seed, numpy_rng
from palsim.strategies.pal_diagnostics import pretext_diagnostics
from palsim.strategies.pal_one_round import PROBE_SIZE
from palsim.strategies.pal_pretext import train_pretext_scorer
from palsim.strategies.pal_scorer import ScorerTraining
from palsim.strategies.pal_segmentation import build_segmentation_scorer
from palsim.train import seeded

QUICK = {**PRESETS["quick"], **PRESETS["quick"]["segmentation"]}


def measure(dataset: Dataset, steps: int, seed: int) -> dict[str, float]:
    assert dataset.train_masks is not None
    pool, masks = dataset.train_images, dataset.train_masks
    initial = int(QUICK["initial"])
    labeled = np.sort(numpy_rng(seed, 0, "initial").choice(len(pool), initial, replace=False))
    positions = torch.from_numpy(labeled)
    strategy_seed = derive_seed(seed, 0, "strategy")
    mean, std = channel_stats(pool)
    training = ScorerTraining(
        1, steps, QUICK["batch_size"], QUICK["learning_rate"], 0, 0, 0.1, True
    )
    started = time.perf_counter()
    with seeded(derive_seed(strategy_seed, 0, "pal-scorer")):
        scorer = build_segmentation_scorer("small-fcn", 1, dataset.num_classes, mean, std)
        generator = torch.Generator().manual_seed(derive_seed(strategy_seed, 0, "pal-batches"))
        train_pretext_scorer(
            scorer, pool, positions, masks[positions], "contrastive", training, generator
        )
    seconds = time.perf_counter() - started
    probe = torch.linspace(0, len(pool) - 1, PROBE_SIZE).long()
    views = torch.Generator().manual_seed(derive_seed(strategy_seed, 0, "pal-views-probe"))
    values, _ = pretext_diagnostics(
        scorer, pool, positions, masks[positions], probe, "contrastive", 64, views, 11
    )
    return {"steps": steps, "train_seconds": round(seconds, 1), **values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", default="25,50,100,150,250", help="comma-separated counts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print("| steps | contrastive top-1, pool probe | on its labeled set | pixel accuracy |")
    print("|---|---|---|---|")
    dataset = load_dataset("fashion-scenes", download=False)
    for steps in [int(part) for part in args.steps.split(",")]:
        row = measure(dataset, steps, args.seed)
        print(
            f"| {steps} | {row['pal_contrastive_accuracy_pool']:.3f} "
            f"| {row['pal_contrastive_accuracy_labeled']:.3f} "
            f"| {row['pal_pixel_accuracy_labeled']:.3f} |",
            flush=True,
        )
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

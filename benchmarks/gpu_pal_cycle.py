"""Time one full PAL cycle at CIFAR-10 scale, phase by phase, on synthetic tensors.

The paper's protocol on CIFAR-10: a 50,000-image pool of 3x32x32, 10% labeled (5,000), a
budget of 5% (2,500) per cycle, ResNet-18 as scorer and task model. CIFAR-10 cannot be
fetched on the lent GPU machines, so the pool is random uint8 tensors of that shape (the
timings do not depend on the pixels). Phases: task-model training, scorer training, pool
scoring over 4 rotations, and every later sub-query's rotation-only fine-tuning and S_D
scoring, timed through the strategy's own ``phase`` events (the device synchronised at each).
Prints images per second per phase and a JSON line with every number.

    PYTHONPATH=. python benchmarks/gpu_pal_cycle.py --device cuda               # paper epochs
    PYTHONPATH=. python benchmarks/gpu_pal_cycle.py --device cuda --epochs 10   # both models
    python benchmarks/gpu_pal_cycle.py --small                                  # CPU check
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import time
from typing import Any

import torch

from palsim.events import Event, EventName
from palsim.models import ResNet18, TaskModel, channel_stats
from palsim.seeds import torch_generator
from palsim.strategies.base import QueryContext, TrainSettings
from palsim.strategies.pal import PalOptions, PalStrategy
from palsim.train import prepare, seeded, train_classifier


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument(
        "--small", action="store_true", help="CPU-sized check: 2,000 pool, width 16, 1 epoch"
    )
    parser.add_argument("--pool", type=int, default=50_000)
    parser.add_argument("--labeled", type=int, default=5_000)
    parser.add_argument("--budget", type=int, default=2_500)
    parser.add_argument(
        "--epochs", type=int, default=None, help="task-model and scorer epochs [paper: 100, 100]"
    )
    parser.add_argument("--scorer-epochs", type=int, default=None, help="overrides --epochs")
    parser.add_argument("--width", type=int, default=64, help="ResNet-18 base width")
    parser.add_argument("--subquery-size", type=int, default=512)
    parser.add_argument("--score-batch-size", type=int, default=2048, help="images (x4 rotated)")
    args = parser.parse_args()
    if args.small:
        args.pool, args.labeled, args.budget, args.width = 2_000, 200, 100, 16
        args.subquery_size, args.score_batch_size = 32, 64
        args.epochs = 1 if args.epochs is None else args.epochs
    return args


class PhaseClock:
    """An ``emit`` sink that timestamps each phase event after synchronising the device."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.marks: list[tuple[str, str, float]] = []

    def now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter()

    def __call__(self, event: Event) -> None:
        if event["event"] == EventName.PHASE:
            self.marks.append((event["phase"], event["detail"], self.now()))

    def phases(self, end: float) -> list[dict[str, Any]]:
        ends = [mark[2] for mark in self.marks[1:]] + [end]
        return [
            {"phase": phase, "detail": detail, "seconds": stop - start}
            for (phase, detail, start), stop in zip(self.marks, ends, strict=True)
        ]


def synthetic_pool(count: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (count, 3, 32, 32), dtype=torch.uint8, generator=generator)
    return images.to(device), torch.randint(0, 10, (count,), generator=generator).to(device)


def main() -> None:
    args = parse_args()
    device = torch.device(args.device)
    task_epochs = args.epochs if args.epochs is not None else 100  # paper preset
    scorer_epochs = args.scorer_epochs or args.epochs or 100  # authors' CIFAR-10 code
    pool, labels = synthetic_pool(args.pool, device)
    labeled = torch.arange(args.labeled, device=device)
    unlabeled = torch.arange(args.labeled, args.pool, device=device)
    settings = TrainSettings(task_epochs, 128, 0.1, args.score_batch_size, True)
    clock = PhaseClock(device)

    # 1. The task model: CIFAR ResNet-18 from scratch on the labeled set (paper preset).
    with seeded(0):
        backbone = ResNet18(3, args.width)
        network = TaskModel(backbone, backbone.out_features, 10, *channel_stats(pool))
        model = prepare(network, device)
    started = clock.now()
    train_classifier(model, pool[labeled], labels[labeled], settings, torch_generator(0, 0, "a"))
    task_seconds = clock.now() - started

    # 2-4. PAL's select: scorer training, pool scoring, sub-queries with fine-tuning.
    options = {
        "backbone": "resnet18",
        "width": str(args.width),
        "epochs": str(scorer_epochs),
        "subquery_size": str(args.subquery_size),
        "score_batch_size": str(args.score_batch_size),
    }
    generator = torch.Generator().manual_seed(0)
    context = QueryContext(
        0,
        pool,
        labeled,
        labels[labeled],
        unlabeled,
        model,
        10,
        device,
        generator,
        0,
        settings,
        "paper",
        clock,
    )
    started = clock.now()
    selection = PalStrategy(options).select(context, args.budget)
    end = clock.now()
    assert len(selection.indices.unique()) == args.budget
    rescored = selection.diagnostics["pal_rescored"]
    report(
        args,
        device,
        task_seconds,
        task_epochs,
        scorer_epochs,
        clock.phases(end),
        end - started,
        rescored,
    )


def report(
    args: argparse.Namespace,
    device: torch.device,
    task_seconds: float,
    task_epochs: int,
    scorer_epochs: int,
    phases: list[dict[str, Any]],
    select_seconds: float,
    rescored: list[int],
) -> None:
    """``rescored``: candidates re-scored per sub-query (the first sub-query's 0 included)."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    print(f"device {name or 'cpu'}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"pool {args.pool}, labeled {args.labeled}, budget {args.budget}, width {args.width}")
    task_rate = args.labeled * task_epochs / task_seconds
    print(f"task model  {task_seconds:8.2f} s  {task_rate:9.0f} images/s  ({task_epochs} epochs)")
    unlabeled = args.pool - args.labeled
    later_scorings = iter(rescored[1:])
    first_scoring = True
    for phase in phases:
        numbers = [int(n) for n in re.findall(r"\b\d+\b", phase["detail"])]
        if phase["phase"] == "scorer":
            images = 4 * args.labeled * scorer_epochs
        elif phase["phase"] == "score":
            # The first scoring covers the unlabeled pool; each later one re-scored this many.
            images = 4 * (numbers[0] if first_scoring else next(later_scorings))
            first_scoring = False
        else:  # fine-tuning: finetune_epochs over the samples picked so far, 4 rotations each
            images = 4 * PalOptions().finetune_epochs * numbers[0]
        phase["images_per_s"] = images / phase["seconds"]
        print(
            f"{phase['phase']:<10}  {phase['seconds']:8.2f} s  {phase['images_per_s']:9.0f}"
            f" images/s  ({phase['detail']})"
        )
    cycle = task_seconds + select_seconds
    print(f"PAL select  {select_seconds:8.2f} s; cycle {cycle:.2f} s (unlabeled {unlabeled})")
    print(
        json.dumps(
            {
                "device": name or "cpu",
                "args": vars(args),
                "task_seconds": task_seconds,
                "task_images_per_s": task_rate,
                "select_seconds": select_seconds,
                "cycle_seconds": cycle,
                "rescored": rescored,
                "phases": phases,
            }
        )
    )


if __name__ == "__main__":
    main()

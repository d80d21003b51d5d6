"""Time one PAL cycle on the paper's Cityscapes protocol, phase by phase, on synthetic tensors.

The authors' Cityscapes setting: 2,975 training images as the pool, 150 labeled at first and
30 queried per cycle, 19 classes (255 ignored), DeepLabV3 as task model and as PAL's scorer,
the contrastive pretext and no sub-queries. Cityscapes cannot be fetched on the lent GPU
machines, so the pool is random uint8 photographs and masks of the shape palsim's reader gives
(1024x2048 read 4x smaller: 3x256x512; the timings do not depend on the pixels). Phases: the
task model's training (the paper preset's segmentation budget), then PAL's own phases (scorer
training, pool scoring over two views), timed through the strategy's ``phase`` events.

    PYTHONPATH=. python benchmarks/gpu_seg_cycle.py --device cuda
    PYTHONPATH=. python benchmarks/gpu_seg_cycle.py --small        # CPU check, tiny sizes
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch
from gpu_pal_cycle import PhaseClock

from palsim.config import PRESETS
from palsim.models import channel_stats
from palsim.seeds import torch_generator
from palsim.segmentation.models import build_segmenter
from palsim.segmentation.train import train_segmenter
from palsim.strategies.base import QueryContext
from palsim.strategies.pal import PalStrategy
from palsim.train import TrainSettings, planned_steps, prepare, seeded

CLASSES = 19  # Cityscapes' train ids
IGNORED = 255


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--small", action="store_true", help="CPU check: 48 images of 64x128")
    parser.add_argument("--pool", type=int, default=2_975)
    parser.add_argument("--labeled", type=int, default=150)
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--height", type=int, default=256)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--model", default="deeplabv3-mobilenet")
    parser.add_argument("--min-steps", type=int, default=None, help="[paper preset's]")
    parser.add_argument("--epochs", type=int, default=None, help="[paper preset's]")
    parser.add_argument("--scorer-min-steps", type=int, default=None, help="[PAL's own]")
    parser.add_argument("--scorer-epochs", type=int, default=None, help="[PAL's own]")
    args = parser.parse_args()
    if args.small:
        args.pool, args.labeled, args.budget, args.height, args.width = 48, 16, 8, 64, 128
        args.min_steps = 4 if args.min_steps is None else args.min_steps
        args.epochs = 1 if args.epochs is None else args.epochs
        args.scorer_min_steps = args.scorer_min_steps or 4
        args.scorer_epochs = args.scorer_epochs or 1
    return args


def synthetic_scenes(
    count: int, height: int, width: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 photographs (N, 3, H, W) and masks (N, H, W): blocks of one class, some ignored."""
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(
        0, 256, (count, 3, height, width), dtype=torch.uint8, generator=generator
    )
    # 16x16-pixel blocks of random classes, 5% of them ignored: segments, not pixel noise.
    blocks = torch.randint(0, CLASSES, (count, height // 16, width // 16), generator=generator)
    blocks[torch.rand(blocks.shape, generator=generator) < 0.05] = IGNORED
    masks = blocks.repeat_interleave(16, dim=1).repeat_interleave(16, dim=2).to(torch.uint8)
    return images.to(device), masks.to(device)


def main() -> None:
    args = parse_args()
    device = torch.device(args.device)
    preset = PRESETS["paper"]["segmentation"]
    epochs = args.epochs if args.epochs is not None else int(preset["epochs"])
    min_steps = args.min_steps if args.min_steps is not None else int(preset["min_steps"])
    settings = TrainSettings(
        epochs,
        int(preset["batch_size"]),
        float(preset["learning_rate"]),
        int(preset["eval_batch_size"]),
        True,
        min_steps,
    )
    pool, masks = synthetic_scenes(args.pool, args.height, args.width, device)
    labeled = torch.arange(args.labeled, device=device)
    unlabeled = torch.arange(args.labeled, args.pool, device=device)
    mean, std = channel_stats(pool)
    clock = PhaseClock(device)

    # 1. The task model from scratch on the labeled set (the paper preset's budget).
    with seeded(0):
        model = prepare(build_segmenter(args.model, 3, CLASSES, mean, std), device)
    started = clock.now()
    train_segmenter(model, pool[labeled], masks[labeled], settings, torch_generator(0, 0, "a"))
    task_seconds = clock.now() - started

    # 2. PAL's select with the paper's defaults for segmentation (contrastive, one round).
    context = QueryContext(
        cycle=0,
        pool_images=pool,
        labeled=labeled,
        labels=torch.zeros(args.labeled, dtype=torch.long, device=device),
        unlabeled=unlabeled,
        model=model,
        num_classes=CLASSES,
        device=device,
        generator=torch.Generator().manual_seed(0),
        seed=0,
        train=settings,
        preset="paper",
        emit=clock,
        masks=masks[labeled],
        model_name=args.model,
    )
    started = clock.now()
    options = {"min_steps": args.scorer_min_steps, "epochs": args.scorer_epochs}
    chosen = {key: str(value) for key, value in options.items() if value is not None}
    selection = PalStrategy(chosen).select(context, args.budget)
    end = clock.now()
    assert len(selection.indices.unique()) == args.budget
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    phases = clock.phases(end)
    print(f"device {name or 'cpu'}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"pool {args.pool} x 3x{args.height}x{args.width}, labeled {args.labeled}, {args.model}")
    steps = planned_steps(args.labeled, settings.batch_size, epochs, min_steps)
    print(f"task model  {task_seconds:8.2f} s  ({steps} steps of {settings.batch_size})")
    for phase in phases:
        print(f"{phase['phase']:<10}  {phase['seconds']:8.2f} s  ({phase['detail']})")
    select_seconds = end - started
    print(f"PAL select  {select_seconds:8.2f} s; cycle {task_seconds + select_seconds:.2f} s")
    diagnostics = {k: v for k, v in selection.diagnostics.items() if isinstance(v, int | float)}
    print(
        json.dumps(
            {
                "device": name or "cpu",
                "args": vars(args),
                "task_seconds": task_seconds,
                "task_steps": steps,
                "select_seconds": select_seconds,
                "cycle_seconds": task_seconds + select_seconds,
                "phases": phases,
                "diagnostics": diagnostics,
                "time": time.time(),
            }
        )
    )


if __name__ == "__main__":
    main()

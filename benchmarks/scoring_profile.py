"""Where pool scoring's time goes: torch's profiler over palsim's inference copy of the small CNN.

The copy that every strategy scores the pool with (BatchNorm folded, channels_last, the quick
preset's inference batch), over synthetic 1x28x28 uint8 images; prints the operators by their
own CPU time and the GFLOP/s the convolutions reached.

    python benchmarks/scoring_profile.py
    python benchmarks/scoring_profile.py --images 8192 --batch 256
"""

from __future__ import annotations

import argparse

import torch
from torch.profiler import ProfilerActivity, profile

from palsim.config import PRESETS
from palsim.models import build_model
from palsim.train import fold_batchnorm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--batch", type=int, default=int(PRESETS["quick"]["eval_batch_size"]))
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    pool = torch.randint(0, 256, (args.images, 1, 28, 28), dtype=torch.uint8, generator=generator)
    torch.manual_seed(0)
    model = fold_batchnorm(build_model("small-cnn", 1, 10, [0.286], [0.353]).eval())

    def score() -> None:
        with torch.no_grad():
            for start in range(0, len(pool), args.batch):
                model(pool[start : start + args.batch])

    score()  # warm-up: allocator, oneDNN primitives
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        score()
    averages = profiler.key_averages()
    print(averages.table(sort_by="self_cpu_time_total", row_limit=8))
    conv_seconds = (
        sum(event.self_cpu_time_total for event in averages if "convolution" in event.key) / 1e6
    )
    total_seconds = sum(event.self_cpu_time_total for event in averages) / 1e6
    flops = conv_flops(model) * args.images
    print(
        f"convolutions: {conv_seconds / total_seconds:.0%} of the time, "
        f"{flops / conv_seconds / 1e9:.0f} GFLOP/s; whole pass {flops / total_seconds / 1e9:.0f}"
        f" GFLOP/s ({torch.get_num_threads()} threads, batch {args.batch})"
    )


def conv_flops(model: torch.nn.Module) -> float:
    """2 x multiply-adds of every Conv2d for one 1x28x28 image (a forward hook count)."""
    total = 0.0

    def count(module: torch.nn.Module, _: object, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            kernel = module.in_channels // module.groups * module.kernel_size[0] ** 2
            total += 2.0 * output[0].numel() * kernel

    hooks = [module.register_forward_hook(count) for module in model.modules()]
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28, dtype=torch.uint8))
    for hook in hooks:
        hook.remove()
    return total


if __name__ == "__main__":
    main()

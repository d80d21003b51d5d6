"""An entropy query over a 60,000-image pool against a plain eager PyTorch loop, in one run.

The baseline is what one writes first: a freshly built model of the same architecture,
``model.eval()``, ``torch.no_grad()``, batches of 256, NCHW float32. palsim's side is the
entropy strategy's own ``select`` as a study runs it (BatchNorm folded, channels_last, the
preset's inference batch, the run's precision). Both take turns, best of ``--repeats``, so a
machine that other work shares slows both alike. Also prints the GFLOP/s reached.

    python benchmarks/pool_scoring.py
    python benchmarks/pool_scoring.py --pool 60000 --batch 128 --precision bf16
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import torch

from palsim.config import PRESETS
from palsim.models import build_model
from palsim.strategies.base import QueryContext, TrainSettings
from palsim.strategies.uncertainty import EntropyStrategy, entropy_score
from palsim.train import effective_precision, precision


def conv_flops_per_image(model: torch.nn.Module, image: torch.Tensor) -> float:
    """Multiply-adds x 2 of every Conv2d and Linear for one image (a forward hook count)."""
    total = 0.0

    def count(module: torch.nn.Module, _: object, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            kernel = (
                module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
            )
            total += 2.0 * output.numel() * kernel
        elif isinstance(module, torch.nn.Linear):
            total += 2.0 * output.numel() * module.in_features

    hooks = [m.register_forward_hook(count) for m in model.modules()]
    with torch.no_grad():
        model(image[:1])
    for hook in hooks:
        hook.remove()
    return total


def seconds_of(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=60_000)
    parser.add_argument(
        "--batches", default=None, help="palsim's batches, a comma list [the quick preset's]"
    )
    parser.add_argument("--precision", default="auto", help="palsim's precision: auto|fp32|bf16")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    preset_batch = str(PRESETS["quick"]["eval_batch_size"])
    batches = [int(b) for b in (args.batches or preset_batch).split(",")]
    generator = torch.Generator().manual_seed(0)
    pool = torch.randint(0, 256, (args.pool, 1, 28, 28), dtype=torch.uint8, generator=generator)

    def fresh_model() -> torch.nn.Module:
        torch.manual_seed(0)
        return build_model("small-cnn", 1, 10, [0.286], [0.353])

    # 1. The plain eager loop.
    plain = fresh_model().eval()

    def baseline() -> torch.Tensor:
        scores = []
        with torch.no_grad():
            for start in range(0, len(pool), 256):
                scores.append(entropy_score(plain(pool[start : start + 256]).softmax(dim=1)))
        return torch.cat(scores).topk(min(1000, len(pool))).indices

    # 2. palsim's entropy query, as a study calls it, at each batch size.
    strategy = EntropyStrategy()

    def palsim_at(batch: int) -> Callable[[], torch.Tensor]:
        settings = TrainSettings(1, 64, 0.05, batch, True)
        context = QueryContext(
            0,
            pool,
            torch.arange(0),
            torch.arange(0),
            torch.arange(args.pool),
            fresh_model().eval(),
            10,
            torch.device("cpu"),
            generator,
            0,
            settings,
            "quick",
        )

        def select() -> torch.Tensor:
            with precision(args.precision):
                return strategy.select(context, min(1000, len(pool))).indices

        return select

    sides = {"baseline": baseline, **{f"palsim@{b}": palsim_at(b) for b in batches}}
    for work in sides.values():  # warm-up: allocator, oneDNN primitives
        work()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeats):  # turns: a change in the machine's load hits every side
        for name, work in sides.items():
            times[name].append(seconds_of(work))
    best = {name: min(values) for name, values in times.items()}
    flops = conv_flops_per_image(plain, pool) * args.pool
    for name, seconds in best.items():
        label = "plain eager loop (batch 256, NCHW fp32)"
        if name != "baseline":
            computes = effective_precision(args.precision, torch.device("cpu"))
            label = f"palsim entropy query (batch {name.split('@')[1]}, {computes})"
        print(
            f"{label:44} {seconds:6.2f} s {args.pool / seconds:7.0f} img/s "
            f"{flops / seconds / 1e9:6.1f} GFLOP/s  {best['baseline'] / seconds:5.2f}x"
        )
    print(f"({torch.get_num_threads()} threads, pool {args.pool}, best of {args.repeats})")
    print(
        json.dumps(
            {
                "pool": args.pool,
                "precision": args.precision,
                "times_s": times,
                "threads": torch.get_num_threads(),
                "gflop_per_image": flops / args.pool / 1e9,
            }
        )
    )


if __name__ == "__main__":
    main()

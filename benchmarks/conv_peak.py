"""The CPU's convolution peak: GFLOP/s of one 3x3 convolution through oneDNN at a size that
keeps the cores busy (the reference for the fractions in docs/benchmarks.md).

    python benchmarks/conv_peak.py
    python benchmarks/conv_peak.py --channels 128 --size 28 --batch 64 --bf16
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time

import torch
import torch.nn.functional as F


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=128, help="in and out channels")
    parser.add_argument("--size", type=int, default=28, help="feature map side")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20, help="best of this many")
    parser.add_argument("--bf16", action="store_true", help="under bf16 autocast")
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    shape = (args.batch, args.channels, args.size, args.size)
    inputs = torch.randn(shape, generator=generator).contiguous(memory_format=torch.channels_last)
    weight = torch.randn(args.channels, args.channels, 3, 3, generator=generator)
    weight = weight.contiguous(memory_format=torch.channels_last)
    flops = 2.0 * args.batch * args.channels * args.size**2 * args.channels * 9
    context = torch.autocast("cpu", dtype=torch.bfloat16) if args.bf16 else contextlib.nullcontext()
    best = float("inf")
    with torch.no_grad(), context:
        F.conv2d(inputs, weight, padding=1)
        for _ in range(args.repeats):
            started = time.perf_counter()
            F.conv2d(inputs, weight, padding=1)
            best = min(best, time.perf_counter() - started)
    rate = flops / best / 1e9
    print(
        f"3x3 conv {shape}, {'bf16' if args.bf16 else 'fp32'}, "
        f"{torch.get_num_threads()} threads: {rate:.0f} GFLOP/s (best of {args.repeats})"
    )
    print(json.dumps({"shape": shape, "bf16": args.bf16, "gflops": rate}))


if __name__ == "__main__":
    main()

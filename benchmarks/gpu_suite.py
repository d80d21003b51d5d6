"""The GPU readiness suite: every strategy for a short study on CUDA, the PAL cycle at
CIFAR-10 scale, a PAL cycle on Cityscapes' protocol (DeepLabV3), and a short Fashion-MNIST
study; every number goes to one output file.

Run through ``benchmarks/gpu_suite.sh`` (which checks for CUDA and the data first). The CUDA
paths exercised: bf16 autocast, channels_last, the pool and test split resident on the GPU.
``--cpu-smoke`` runs the same code on the CPU with tiny sizes, to check the suite itself.

    PYTHONPATH=. python3 benchmarks/gpu_suite.py --data-dir data/fashion-mnist --out gpu.jsonl
    PYTHONPATH=. python3 benchmarks/gpu_suite.py --data-dir data/fashion-mnist --cpu-smoke
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import torch

from palsim.config import RunConfig
from palsim.runner import run
from palsim.strategies import load_all


@dataclass(frozen=True)
class Sizes:
    """How big each part of the suite is (GPU sizes, or tiny ones for --cpu-smoke)."""

    device: str  # cuda | cpu
    pool: int  # Fashion-MNIST pool of the strategy runs and the study
    initial: int  # first labeled set
    budget: int  # queried per cycle
    epochs: int  # task-model epochs per cycle (PAL's scorer and VAAL get the same)
    study_cycles: int  # cycles of the short study (the strategy runs do 2: one query)
    study_seeds: int  # seeds of the short study
    pal_cycle_args: tuple[str, ...]  # arguments of benchmarks/gpu_pal_cycle.py
    seg_cycle_args: tuple[str, ...]  # arguments of benchmarks/gpu_seg_cycle.py
    pal_width: str  # PAL scorer's ResNet-18 width in the runs; "0": its own (64)
    test_size: int | None  # test images per evaluation; None: the whole test split


# The Cityscapes cycle trains both DeepLabV3s 500 steps (the paper preset's floor is 1,000)
# to leave the short study its time; the JSON line records the steps.
SEG_GPU = ("--device", "cuda", "--min-steps", "500", "--epochs", "1")
GPU = Sizes(
    "cuda",
    10_000,
    1_000,
    500,
    15,
    3,
    2,
    ("--device", "cuda", "--epochs", "100"),
    (*SEG_GPU, "--scorer-min-steps", "500", "--scorer-epochs", "1"),
    "0",
    None,
)
SMOKE = Sizes(
    "cpu",
    600,
    60,
    60,
    1,
    2,
    1,
    (
        "--device",
        "cpu",
        "--pool",
        "400",
        "--labeled",
        "40",
        "--budget",
        "40",
        "--width",
        "8",
        "--epochs",
        "1",
        "--subquery-size",
        "16",
        "--score-batch-size",
        "64",
    ),
    ("--device", "cpu", "--small"),
    "8",
    300,
)


def study_config(
    sizes: Sizes,
    args: argparse.Namespace,
    strategy: str,
    oracle: str,
    seed: int,
    cycles: int,
    name: str,
) -> RunConfig:
    # The strategies that train networks of their own get the task model's epochs too.
    own_epochs = {
        "pal": {"epochs": str(sizes.epochs), "width": sizes.pal_width},
        "vaal": {"epochs": str(sizes.epochs)},
    }
    return RunConfig(
        dataset="fashion-mnist",
        data_dir=args.data_dir,
        strategy=strategy,
        strategy_options=own_epochs.get(strategy, {}),
        oracle=oracle,
        seed=seed,
        preset="paper",
        initial=str(sizes.initial),
        budget=str(sizes.budget),
        cycles=cycles,
        pool_size=sizes.pool,
        epochs=sizes.epochs,
        device=sizes.device,
        test_size=sizes.test_size,
        out=args.runs,
        name=name,
    )


def write(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record) + "\n")
    out.flush()
    print(json.dumps(record)[:300], file=sys.stderr, flush=True)


def timed_run(config: RunConfig) -> dict[str, Any]:
    """Run one study; its final accuracy, cycles and wall time, or the error it died with."""
    started = time.perf_counter()
    try:
        summary = run(config)
    except Exception as error:  # recorded in the output; the suite goes on
        return {
            "status": "failed",
            "error": f"{type(error).__name__}: {error}",
            "seconds": time.perf_counter() - started,
        }
    cycles = summary["cycles"]
    return {
        "status": summary["status"],
        "seconds": time.perf_counter() - started,
        "final_accuracy": cycles[-1]["test_accuracy"],
        "accuracies": [c["test_accuracy"] for c in cycles],
        "query_seconds": [c.get("query_seconds") for c in cycles],
    }


def every_strategy(sizes: Sizes, args: argparse.Namespace, out: TextIO) -> None:
    """1. Each registered strategy: two cycles (one query) under 20% label noise."""
    for strategy in load_all().names():
        config = study_config(sizes, args, strategy, "noisy:0.2", 0, 2, f"strategy-{strategy}")
        write(out, {"part": "strategy", "strategy": strategy, **timed_run(config)})


def pal_cycle(sizes: Sizes, args: argparse.Namespace, out: TextIO) -> None:
    """2. One PAL cycle at CIFAR-10 scale on synthetic tensors (its own script's JSON line)."""
    script_part("pal_cycle", "gpu_pal_cycle.py", sizes.pal_cycle_args, args, out)


def seg_cycle(sizes: Sizes, args: argparse.Namespace, out: TextIO) -> None:
    """3. One PAL cycle on Cityscapes' protocol and shape, synthetic tensors (DeepLabV3)."""
    script_part("seg_cycle", "gpu_seg_cycle.py", sizes.seg_cycle_args, args, out)


def script_part(
    part: str, script: str, arguments: tuple[str, ...], args: argparse.Namespace, out: TextIO
) -> None:
    """Run a benchmark script beside this one; write its last line (JSON) or why none came."""
    path = Path(__file__).with_name(script)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(path), *arguments],
            capture_output=True,
            text=True,
            timeout=args.pal_timeout,
        )
    except subprocess.TimeoutExpired:
        write(
            out,
            {"part": part, "status": "timeout", "seconds": args.pal_timeout, "args": arguments},
        )
        return
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        write(
            out,
            {
                "part": part,
                "status": "failed",
                "error": done.stderr[-2000:],
                "seconds": time.perf_counter() - started,
            },
        )
        return
    write(out, {"part": part, "status": "finished", **json.loads(lines[-1])})


def short_study(sizes: Sizes, args: argparse.Namespace, out: TextIO) -> None:
    """4. PAL, entropy and random, clean and noisy:0.2, a few seeds, paired by seed."""
    for seed in range(sizes.study_seeds):
        for oracle in ("perfect", "noisy:0.2"):
            for strategy in ("pal", "entropy", "random"):
                if time.perf_counter() > args.deadline:
                    write(
                        out,
                        {
                            "part": "study",
                            "strategy": strategy,
                            "oracle": oracle,
                            "seed": seed,
                            "status": "not run: --minutes reached",
                        },
                    )
                    continue
                name = f"study-{strategy}-{oracle.replace(':', '_')}-s{seed}"
                config = study_config(sizes, args, strategy, oracle, seed, sizes.study_cycles, name)
                write(
                    out,
                    {
                        "part": "study",
                        "strategy": strategy,
                        "oracle": oracle,
                        "seed": seed,
                        **timed_run(config),
                    },
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", required=True, help="folder of the four Fashion-MNIST IDX files"
    )
    parser.add_argument("--out", default="gpu_suite.jsonl", help="the output file (JSON lines)")
    parser.add_argument("--runs", default=None, help="run folders [a temporary folder]")
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny sizes on the CPU")
    parser.add_argument(
        "--pal-timeout", type=int, default=180, help="seconds for parts 2 and 3 each"
    )
    parser.add_argument("--minutes", type=float, default=7.5, help="start no study run after")
    parser.add_argument("--parts", default="strategies,pal-cycle,seg-cycle,study")
    args = parser.parse_args()
    sizes = SMOKE if args.cpu_smoke else GPU
    args.deadline = time.perf_counter() + 60 * args.minutes
    if sizes.device == "cuda" and not torch.cuda.is_available():
        print(
            "error: no CUDA device is visible to torch; --cpu-smoke checks the suite on a CPU",
            file=sys.stderr,
        )
        return 2
    parts = {
        "strategies": every_strategy,
        "pal-cycle": pal_cycle,
        "seg-cycle": seg_cycle,
        "study": short_study,
    }
    chosen = args.parts.split(",")
    unknown = [part for part in chosen if part not in parts]
    if unknown:
        print(
            f"error: unknown part {unknown[0]!r}; choose from: {', '.join(parts)}", file=sys.stderr
        )
        return 2
    with tempfile.TemporaryDirectory() as folder, open(args.out, "w", encoding="utf-8") as out:
        args.runs = args.runs or folder
        name = torch.cuda.get_device_name() if sizes.device == "cuda" else platform.processor()
        write(
            out,
            {
                "part": "machine",
                "device": name or "cpu",
                "torch": torch.__version__,
                "sizes": sizes.__dict__,
            },
        )
        for part in chosen:
            started = time.perf_counter()
            parts[part](sizes, args, out)
            write(out, {"part": "done", "name": part, "seconds": time.perf_counter() - started})
    return 0


if __name__ == "__main__":
    sys.exit(main())

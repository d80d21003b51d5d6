"""A 2-job sweep of 8 tiny runs against the same 8 runs one after another, in one script run.

Both sides run the ``palsim`` command from this tree (``python -m palsim``) on Fashion-MNIST
with the CPU; they alternate, and the best of ``--repeats`` is kept for each, so a machine that
other work shares affects both alike. Prints both wall times, their ratio and a JSON line.

    python benchmarks/sweep_overhead.py
    python benchmarks/sweep_overhead.py --repeats 2 --jobs 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Tiny runs: the size of the sweep tests (seconds each), so fixed costs dominate.
TINY = [
    "--pool-size",
    "300",
    "--initial",
    "40",
    "--budget",
    "40",
    "--cycles",
    "3",
    "--epochs",
    "1",
    "--min-steps",
    "0",  # epochs alone: without it the step floor makes each run train 500 steps a cycle
    "--device",
    "cpu",
    "--test-size",
    "500",
]
STRATEGIES = ["random", "entropy"]
SEEDS = [0, 1, 2, 3]


def palsim(*args: str) -> float:
    """Wall seconds of one ``python -m palsim`` command (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "palsim", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def one_after_another(out: Path) -> float:
    started = time.perf_counter()
    for strategy in STRATEGIES:
        for seed in SEEDS:
            palsim(
                "run",
                "--strategy",
                strategy,
                "--seed",
                str(seed),
                *TINY,
                "--out",
                str(out),
                "--quiet",
            )
    return time.perf_counter() - started


def as_sweep(out: Path, jobs: int) -> float:
    seeds = f"{SEEDS[0]}-{SEEDS[-1]}"
    return palsim(
        "sweep",
        "--strategy",
        ",".join(STRATEGIES),
        "--seeds",
        seeds,
        *TINY,
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--quiet",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="sweep workers [2]")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many [2]")
    args = parser.parse_args()
    sequential, sweep = [], []
    for repeat in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            # Alternate which side goes first, so a drift in the machine's load is shared.
            if repeat % 2 == 0:
                sequential.append(one_after_another(root / "runs"))
                sweep.append(as_sweep(root / "sweep", args.jobs))
            else:
                sweep.append(as_sweep(root / "sweep", args.jobs))
                sequential.append(one_after_another(root / "runs"))
        print(
            f"repeat {repeat}: one after another {sequential[-1]:.1f} s, "
            f"sweep --jobs {args.jobs} {sweep[-1]:.1f} s",
            file=sys.stderr,
        )
    best_sequential, best_sweep = min(sequential), min(sweep)
    print(f"8 tiny runs one after another: {best_sequential:.1f} s (best of {args.repeats})")
    print(f"palsim sweep --jobs {args.jobs}:          {best_sweep:.1f} s")
    print(f"speed-up: {best_sequential / best_sweep:.2f}x")
    print(
        json.dumps(
            {
                "sequential_s": sequential,
                "sweep_s": sweep,
                "jobs": args.jobs,
                "speedup": best_sequential / best_sweep,
            }
        )
    )


if __name__ == "__main__":
    main()

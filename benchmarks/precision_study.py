"""bf16 autocast against fp32 on the CPU: the same studies in both precisions, paired by seed.

For each strategy and seed, runs one small study in fp32 and one in bf16 (everything else
equal) and prints the final test accuracy of both, their paired difference, how many of the
queried samples the two runs share, and the spread of fp32 accuracy across seeds (the seed
noise a difference must be compared with). Also times both, within this one script run.

    python benchmarks/precision_study.py
    python benchmarks/precision_study.py --seeds 0-4 --strategies entropy,pal,random
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from palsim.config import RunConfig
from palsim.events import read_events
from palsim.runner import run


def queried(directory: Path) -> set[int]:
    return {i for e in read_events(directory) if e["event"] == "query" for i in e["indices"]}


def one_run(
    out: Path,
    strategy: str,
    seed: int,
    precision: str,
    args: argparse.Namespace,
) -> tuple[float, set[int], float]:
    """(final test accuracy, every queried pool index, seconds) of one study."""
    name = f"{strategy}-s{seed}-{precision}"
    config = RunConfig(
        strategy=strategy,
        oracle=args.oracle,
        seed=seed,
        device="cpu",
        preset="quick",
        pool_size=args.pool,
        initial=str(args.initial),
        budget=str(args.budget),
        cycles=args.cycles,
        precision=precision,
        out=str(out),
        name=name,
    )
    started = time.perf_counter()
    summary = run(config)
    seconds = time.perf_counter() - started
    return summary["cycles"][-1]["test_accuracy"], queried(out / name), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="entropy,pal")
    parser.add_argument("--seeds", default="0-2", help="a range A-B")
    parser.add_argument("--oracle", default="noisy:0.2")
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--initial", type=int, default=300)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--cycles", type=int, default=3)
    args = parser.parse_args()
    low, high = (int(part) for part in args.seeds.split("-"))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for strategy in args.strategies.split(","):
            for seed in range(low, high + 1):
                # Alternate the order, so that a change in the machine's load hits both alike.
                order = ["fp32", "bf16"] if seed % 2 == 0 else ["bf16", "fp32"]
                result = {p: one_run(Path(folder), strategy, seed, p, args) for p in order}
                (acc32, picked32, s32), (acc16, picked16, s16) = result["fp32"], result["bf16"]
                shared = len(picked32 & picked16) / max(1, len(picked32))
                rows.append(
                    {
                        "strategy": strategy,
                        "seed": seed,
                        "fp32": acc32,
                        "bf16": acc16,
                        "difference": acc16 - acc32,
                        "shared_queries": shared,
                        "fp32_s": s32,
                        "bf16_s": s16,
                    }
                )
                print(
                    f"{strategy:8} seed {seed}: fp32 {acc32:.4f}  bf16 {acc16:.4f}  "
                    f"diff {acc16 - acc32:+.4f}  shared queries {shared:.0%}  "
                    f"time {s32:.0f} s / {s16:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    for strategy in args.strategies.split(","):
        mine = [row for row in rows if row["strategy"] == strategy]
        differences = [row["difference"] for row in mine]
        spread = statistics.stdev([row["fp32"] for row in mine]) if len(mine) > 1 else 0.0
        mean_difference = statistics.mean(differences)
        print(
            f"{strategy}: mean paired difference (bf16 - fp32) {mean_difference:+.4f}"
            f", fp32 std across seeds {spread:.4f}, shared queries "
            f"{statistics.mean(row['shared_queries'] for row in mine):.0%}, time bf16/fp32 "
            f"{sum(r['bf16_s'] for r in mine) / sum(r['fp32_s'] for r in mine):.2f}"
        )
    print(json.dumps({"settings": vars(args), "rows": rows}))


if __name__ == "__main__":
    main()

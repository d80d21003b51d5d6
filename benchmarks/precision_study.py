"""bf16 autocast against fp32 on the CPU: the same studies in both precisions, paired by seed.

For each strategy and seed, runs one small study in fp32 and one in bf16 (everything else
equal) and prints the final test accuracy of both, their paired difference, how many of the
queried samples the two runs share, and the spread of fp32 accuracy across seeds (the seed
noise a difference must be compared with). Also times both, within this one script run.

    python benchmarks/precision_study.py
    python benchmarks/precision_study.py --seeds 0-4 --strategies entropy,pal,random

With ``--runs FP32_DIR BF16_DIR`` it runs nothing: it pairs the finished runs of two sweeps
of one study that differ only in ``--precision`` (same strategy, options, oracle and seed;
every other setting must agree) and prints, per strategy and oracle, the mean paired
difference of the final accuracy and of the AUBC with 95% t-intervals, the share of queried
samples the two runs have in common, and fp32's standard deviation across seeds.

    python benchmarks/precision_study.py --runs runs-cold/main runs-cold/bf16
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
from palsim.report.aggregate import aubc
from palsim.report.paired import Paired
from palsim.report.runs import RunResult, collect
from palsim.runner import run

#: Settings in which the two sides may differ: the precision itself, and where runs lie.
PRECISION_KEYS = ("precision",)


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


def pairing_key(result: RunResult) -> tuple[str, str, str, int | None]:
    options = json.dumps(result.config.get("strategy_options", {}), sort_keys=True)
    return result.strategy, options, result.oracle, result.seed


def same_study(fp32: RunResult, bf16: RunResult) -> list[str]:
    """The settings, besides the precision, in which two runs of a pair differ."""
    keys = (fp32.identity.keys() | bf16.identity.keys()) - set(PRECISION_KEYS)
    return sorted(key for key in keys if fp32.identity.get(key) != bf16.identity.get(key))


def interval(paired: Paired) -> str:
    spread = "" if paired.half_width is None else f" ± {100 * paired.half_width:.2f}"
    return f"{100 * paired.mean:+.2f}{spread}"


def compare_runs(fp32_root: Path, bf16_root: Path) -> None:
    """Pair two sweeps' finished runs by strategy, options, oracle and seed; print the table."""
    sides = []
    for root in (fp32_root, bf16_root):
        results, skipped, _ = collect(root)
        for directory, reason in skipped:
            print(f"skipped {directory}: {reason}", file=sys.stderr)
        sides.append({pairing_key(result): result for result in results})
    fp32_runs, bf16_runs = sides
    pairs: dict[tuple[str, str, str], list[tuple[RunResult, RunResult]]] = {}
    for key in sorted(fp32_runs.keys() & bf16_runs.keys(), key=str):
        fp32, bf16 = fp32_runs[key], bf16_runs[key]
        differing = same_study(fp32, bf16)
        if differing:
            sys.exit(f"error: {fp32.directory} and {bf16.directory} differ in {differing}")
        pairs.setdefault(key[:3], []).append((fp32, bf16))
    if not pairs:
        sys.exit(f"error: no run under {bf16_root} pairs with one under {fp32_root}")
    print(
        "| strategy | oracle | seeds | fp32 final | bf16 - fp32 final | bf16 - fp32 AUBC "
        "| fp32 final, std across seeds | queried samples in common |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for (strategy, options, oracle), members in sorted(pairs.items()):
        final = Paired.of([b.values[-1] - f.values[-1] for f, b in members])
        area = Paired.of(
            [aubc(b.labeled, b.values) - aubc(f.labeled, f.values) for f, b in members]
        )
        fp32_final = [f.values[-1] for f, _ in members]
        spread = statistics.stdev(fp32_final) if len(fp32_final) > 1 else float("nan")
        shared = [
            len(queried(f.directory) & queried(b.directory)) / max(1, len(queried(f.directory)))
            for f, b in members
        ]
        label = strategy if options == "{}" else f"{strategy} {options}"
        seeds = ", ".join(str(f.seed) for f, _ in members)
        print(
            f"| {label} | {oracle} | {seeds} | {100 * statistics.mean(fp32_final):.2f} "
            f"| {interval(final)} | {interval(area)} | {100 * spread:.2f} "
            f"| {100 * statistics.mean(shared):.0f}% |"
        )
    print("\nDifferences in points; ± is the half-width of a 95% t-interval across seeds.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs=2, type=Path, metavar=("FP32_DIR", "BF16_DIR"))
    parser.add_argument("--strategies", default="entropy,pal")
    parser.add_argument("--seeds", default="0-2", help="a range A-B")
    parser.add_argument("--oracle", default="noisy:0.2")
    parser.add_argument("--pool", type=int, default=3000)
    parser.add_argument("--initial", type=int, default=300)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--cycles", type=int, default=3)
    args = parser.parse_args()
    if args.runs:
        compare_runs(*args.runs)
        return
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

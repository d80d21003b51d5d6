"""Re-asking study: a pool of three annotators each wrong 30% of the time, with and without
spending 20% of each cycle's budget on re-asking labels, on Fashion-MNIST (CPU).

Runs every (policy, seed) study through ``palsim.runner`` one after another, one run
directory each under ``--out`` (finished runs are reused), and prints a markdown table of the
final labeled-set size, wrong served labels, noise rate, test accuracy and total cost, mean
over seeds. docs/oracles.md quotes its output.

Example (about 5 minutes on an idle 2-core CPU):

    .venv/bin/python scripts/relabel_study.py --out runs/relabel-study
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from palsim.config import RunConfig
from palsim.runner import run
from palsim.store import read_summary

POLICIES = ["none", "random", "disagree"]
STUDY = {
    "dataset": "fashion-mnist",
    "strategy": "entropy",
    "oracle": "annotators:3:0.3",
    "pool_size": 1500,
    "initial": "150",
    "budget": "150",
    "cycles": 4,
    "epochs": 5,
    "test_size": 1000,
    "device": "cpu",
    "preset": "quick",
}
SHARE = 0.2


def final_record(out: Path, policy: str, seed: int) -> dict[str, Any]:
    name = f"{policy}-s{seed}"
    summary = read_summary(out / name)
    if summary is None or summary.get("status") != "finished":
        config = RunConfig(
            **STUDY,
            seed=seed,
            relabel=policy,
            relabel_share=SHARE if policy != "none" else 0.0,
            out=str(out),
            name=name,
        )
        summary = run(config)
    return summary["cycles"][-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/relabel-study"))
    parser.add_argument("--seeds", type=int, default=2)
    options = parser.parse_args()
    print("| --relabel | labeled | wrong served labels | noise rate | test accuracy | cost |")
    print("|---|---|---|---|---|---|")
    for policy in POLICIES:
        records = [final_record(options.out, policy, seed) for seed in range(options.seeds)]

        def mean(key: str, records: list[dict[str, Any]] = records) -> float:
            return statistics.mean(float(r[key]) for r in records)

        print(
            f"| {policy} | {mean('labeled'):.0f} | {mean('noisy_labels'):.1f} | "
            f"{mean('noise_rate'):.3f} | {mean('test_accuracy'):.3f} | "
            f"{mean('total_label_cost'):.0f} |"
        )


if __name__ == "__main__":
    main()

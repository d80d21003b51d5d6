"""Aggregate finished runs by (dataset, oracle, strategy): learning curves, AUBC, final accuracy.

For each group, over its runs (usually seeds): the mean, standard deviation (n - 1) and
standard error of the test accuracy per cycle; the normalised area under the budget curve
(AUBC: trapezoid of accuracy over the labeled count, divided by the labeled range, so it lies
in [0, 1] like an accuracy); the final accuracy; and the realised label-noise rate of the
final labeled set. A run that crashed, is unfinished or whose summary is corrupt is listed
in ``skipped`` with the reason and never stops the report. Standard library only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palsim.events import CONFIG_FILE, EVENTS_FILE, SUMMARY_FILE, read_json_object

GroupKey = tuple[str, str, str]  # (dataset, oracle, strategy)


@dataclass
class RunResult:
    """The parts of one finished run's summary.json that the report uses."""

    directory: Path
    key: GroupKey
    seed: int | None
    labeled: list[int]
    accuracy: list[float]
    noise_rate: float | None  # realised, over the final labeled set


@dataclass
class Spread:
    """Mean, standard deviation (n - 1; 0 for one run) and standard error of some values."""

    mean: float
    std: float
    sem: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        n = len(values)
        mean = sum(values) / n
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
        return cls(mean, std, std / math.sqrt(n))


@dataclass
class GroupStats:
    """One (dataset, oracle, strategy) group over its runs."""

    key: GroupKey
    seeds: list[int | None]
    labeled: list[int]  # labeled count per cycle (the same in every run of the group)
    accuracy: list[Spread]  # per cycle
    aubc: Spread
    final_accuracy: Spread
    noise_rate: float | None  # mean realised noise rate of the final labeled set
    directories: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.seeds)


def aubc(labeled: list[int], accuracy: list[float]) -> float:
    """Trapezoid area of accuracy over labeled count, divided by the labeled range."""
    if len(labeled) == 1:
        return accuracy[0]
    area = sum(
        (labeled[i + 1] - labeled[i]) * (accuracy[i] + accuracy[i + 1]) / 2
        for i in range(len(labeled) - 1)
    )
    return area / (labeled[-1] - labeled[0])


def find_run_directories(root: Path) -> list[Path]:
    """``root`` itself when it is a run directory, else every run directory below it."""
    markers = (CONFIG_FILE, SUMMARY_FILE, EVENTS_FILE)
    if any((root / marker).exists() for marker in markers):
        return [root]
    found = {path.parent for marker in markers for path in root.rglob(marker)}
    return sorted(found)


def load_run(directory: Path) -> RunResult:
    """Read a finished run; ValueError says why it cannot be used."""
    path = directory / SUMMARY_FILE
    if not path.exists():
        raise ValueError("no summary.json (the run crashed before writing one)")
    summary = read_json_object(path)
    if summary is None:
        raise ValueError("summary.json is unreadable or not valid JSON")
    status = summary.get("status")
    if status == "failed":
        raise ValueError(f"the run failed: {summary.get('error') or 'no error recorded'}")
    if status != "finished":
        raise ValueError(f"unfinished (status {status}); finish it with palsim run --resume DIR")
    try:
        config, cycles = summary["config"], summary["cycles"]
        key = (str(config["dataset"]), str(config["oracle"]), str(config["strategy"]))
        labeled = [int(cycle["labeled"]) for cycle in cycles]
        accuracy = [float(cycle["test_accuracy"]) for cycle in cycles]
        last = cycles[-1]
        noise = last.get("noise_rate")
        if noise is None and "noisy_labels" in last:
            noise = last["noisy_labels"] / last["labeled"]
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
        raise ValueError("summary.json lacks the config or the cycles' accuracies") from None
    seed = config.get("seed") if isinstance(config.get("seed"), int) else None
    noise_rate = float(noise) if noise is not None else None
    return RunResult(directory, key, seed, labeled, accuracy, noise_rate)


def collect(root: Path) -> tuple[list[RunResult], list[tuple[Path, str]]]:
    """Finished runs under ``root``, and (directory, reason) for every run skipped."""
    results: list[RunResult] = []
    skipped: list[tuple[Path, str]] = []
    for directory in find_run_directories(root):
        try:
            results.append(load_run(directory))
        except ValueError as reason:
            skipped.append((directory, str(reason)))
    return results, skipped


def aggregate(results: list[RunResult]) -> tuple[list[GroupStats], list[tuple[Path, str]]]:
    """Group by (dataset, oracle, strategy); runs whose labeled counts differ from most of
    their group's are skipped (averaging different budgets cycle by cycle would mislead)."""
    groups: dict[GroupKey, list[RunResult]] = {}
    for result in results:
        groups.setdefault(result.key, []).append(result)
    stats: list[GroupStats] = []
    skipped: list[tuple[Path, str]] = []
    for key in sorted(groups):
        runs = groups[key]
        common = Counter(tuple(run.labeled) for run in runs).most_common(1)[0][0]
        for run in runs:
            if tuple(run.labeled) != common:
                reason = f"labeled counts {run.labeled} differ from its group's {list(common)}"
                skipped.append((run.directory, reason))
        stats.append(group_stats(key, [run for run in runs if tuple(run.labeled) == common]))
    return stats, skipped


def group_stats(key: GroupKey, runs: list[RunResult]) -> GroupStats:
    cycles = len(runs[0].labeled)
    noise = [run.noise_rate for run in runs if run.noise_rate is not None]
    return GroupStats(
        key=key,
        seeds=[run.seed for run in runs],
        labeled=runs[0].labeled,
        accuracy=[Spread.of([run.accuracy[c] for run in runs]) for c in range(cycles)],
        aubc=Spread.of([aubc(run.labeled, run.accuracy) for run in runs]),
        final_accuracy=Spread.of([run.accuracy[-1] for run in runs]),
        noise_rate=sum(noise) / len(noise) if noise else None,
        directories=[str(run.directory) for run in runs],
    )


def report(root: Path) -> tuple[list[GroupStats], list[tuple[Path, str]]]:
    """The groups of the finished runs under ``root``, and every skipped run with its reason."""
    if not root.is_dir():
        raise ValueError(f"{root} is not a directory of runs")
    results, skipped = collect(root)
    groups, mismatched = aggregate(results)
    return groups, skipped + mismatched


def spread_dict(spread: Spread) -> dict[str, Any]:
    return {"mean": spread.mean, "std": spread.std, "sem": spread.sem}


def group_dict(group: GroupStats) -> dict[str, Any]:
    """A JSON-ready form of a group."""
    dataset, oracle, strategy = group.key
    cycles = [
        {"cycle": cycle, "labeled": labeled, **spread_dict(spread)}
        for cycle, (labeled, spread) in enumerate(zip(group.labeled, group.accuracy, strict=True))
    ]
    return {
        "dataset": dataset, "oracle": oracle, "strategy": strategy, "runs": group.runs,
        "seeds": group.seeds, "final_accuracy": spread_dict(group.final_accuracy),
        "aubc": spread_dict(group.aubc), "noise_rate": group.noise_rate, "cycles": cycles,
        "directories": group.directories,
    }  # fmt: skip

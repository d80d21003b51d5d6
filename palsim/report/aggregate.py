"""Group finished runs by their whole configuration except the seeds; statistics per group.

Two runs are averaged together only when their configurations agree on every key that can
change results (all but :data:`~palsim.report.runs.IGNORED_KEYS`). Where the runs under a
folder differ in some key beyond dataset, oracle and strategy (other epochs in a subfolder,
say), they form separate groups and each group names its value of every such key
(:attr:`GroupStats.settings`), so the report says which key differs.

For each group, over its runs (the seeds): mean, standard deviation (n - 1) and standard
error of the test accuracy per cycle; the normalised area under the budget curve (AUBC:
trapezoid of accuracy over the labeled count, divided by the labeled range, so it lies in
[0, 1] like an accuracy); the final accuracy; the realised label-noise rate of the final
labeled set. Standard library only.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palsim.report.runs import RunResult, collect

#: Keys every report shows in columns of their own, never among a group's settings.
SHOWN_KEYS = ("dataset", "oracle", "strategy")


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
    """Runs whose configurations agree on every key but the seeds."""

    members: list[RunResult]
    labeled: list[int]  # labeled count per cycle (the same in every run of the group)
    accuracy: list[Spread]  # per cycle
    aubc: Spread
    final_accuracy: Spread
    noise_rate: float | None  # mean realised noise rate of the final labeled set
    settings: dict[str, Any] = field(default_factory=dict)  # keys that differ between groups

    @property
    def identity(self) -> dict[str, Any]:
        return self.members[0].identity

    @property
    def key(self) -> tuple[str, str, str]:
        """(dataset, oracle, strategy)."""
        run = self.members[0]
        return run.dataset, run.oracle, run.strategy

    @property
    def runs(self) -> int:
        return len(self.members)

    @property
    def seeds(self) -> list[int | None]:
        return [run.seed for run in self.members]

    @property
    def directories(self) -> list[str]:
        return [str(run.directory) for run in self.members]


def aubc(labeled: list[int], accuracy: list[float]) -> float:
    """Trapezoid area of accuracy over labeled count, divided by the labeled range."""
    if len(labeled) == 1 or labeled[-1] == labeled[0]:
        return accuracy[-1]
    area = sum(
        (labeled[i + 1] - labeled[i]) * (accuracy[i] + accuracy[i + 1]) / 2
        for i in range(len(labeled) - 1)
    )
    return area / (labeled[-1] - labeled[0])


def identity_text(identity: dict[str, Any]) -> str:
    """A canonical text of a configuration: equal texts mean equal settings."""
    return json.dumps(identity, sort_keys=True, default=str)


def aggregate(results: list[RunResult]) -> tuple[list[GroupStats], list[tuple[Path, str]]]:
    """Group by the whole configuration except the seeds. Within a group, a run whose labeled
    counts differ from most of the group's, or that repeats a seed already in the group (a
    copied folder), is skipped: either would make the average mean something else."""
    buckets: dict[str, list[RunResult]] = {}
    for result in results:
        buckets.setdefault(identity_text(result.identity), []).append(result)
    groups: list[GroupStats] = []
    skipped: list[tuple[Path, str]] = []
    for runs in buckets.values():
        kept, dropped = keep_comparable(sorted(runs, key=lambda run: str(run.directory)))
        skipped += dropped
        groups.append(group_stats(kept))
    name_differences(groups)
    groups.sort(key=lambda group: (*group.key, settings_text(group.settings)))
    return groups, skipped


def keep_comparable(runs: list[RunResult]) -> tuple[list[RunResult], list[tuple[Path, str]]]:
    common = Counter(tuple(run.labeled) for run in runs).most_common(1)[0][0]
    kept: list[RunResult] = []
    skipped: list[tuple[Path, str]] = []
    first_of: dict[tuple[int | None, int | None], Path] = {}
    for run in runs:
        if tuple(run.labeled) != common:
            reason = f"labeled counts {run.labeled} differ from its group's {list(common)}"
            skipped.append((run.directory, reason))
        elif run.seeds in first_of and run.seed is not None:
            reason = f"same configuration and seeds as {first_of[run.seeds]} (a copy?)"
            skipped.append((run.directory, reason))
        else:
            first_of.setdefault(run.seeds, run.directory)
            kept.append(run)
    return kept, skipped


def group_stats(runs: list[RunResult]) -> GroupStats:
    cycles = len(runs[0].labeled)
    noise = [run.noise_rate for run in runs if run.noise_rate is not None]
    return GroupStats(
        members=runs,
        labeled=runs[0].labeled,
        accuracy=[Spread.of([run.accuracy[c] for run in runs]) for c in range(cycles)],
        aubc=Spread.of([aubc(run.labeled, run.accuracy) for run in runs]),
        final_accuracy=Spread.of([run.accuracy[-1] for run in runs]),
        noise_rate=sum(noise) / len(noise) if noise else None,
    )


MISSING = "-"  # the value shown for a key that a run's configuration lacks (an older run)


def differing_keys(groups: list[GroupStats]) -> list[str]:
    """Keys beyond dataset, oracle and strategy whose values are not the same in all groups."""
    keys = sorted({key for group in groups for key in group.identity} - set(SHOWN_KEYS))
    return [
        key
        for key in keys
        if len({identity_text(group.identity.get(key, MISSING)) for group in groups}) > 1
    ]


def name_differences(groups: list[GroupStats]) -> None:
    """Give each group its value of every key that differs between the groups."""
    keys = differing_keys(groups)
    for group in groups:
        group.settings = {key: group.identity.get(key, MISSING) for key in keys}


def value_text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={value_text(v)}" for k, v in sorted(value.items())) + "}"
    return "null" if value is None else str(value)


def settings_text(settings: dict[str, Any]) -> str:
    """``epochs=30, model=resnet18``: how a group's configuration differs from the others'."""
    return ", ".join(f"{key}={value_text(value)}" for key, value in settings.items())


def report(root: Path) -> tuple[list[GroupStats], list[tuple[Path, str]]]:
    """The groups of the finished runs under ``root``, and every skipped run with its reason."""
    if not root.is_dir():
        raise ValueError(f"{root} is not a directory of runs")
    results, skipped = collect(root)
    groups, mismatched = aggregate(results)
    return groups, skipped + mismatched

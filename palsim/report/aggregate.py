"""Group finished runs by their whole configuration except the seeds; statistics per group.

Two runs are averaged together only when their configurations agree on every key that can
change results (all but :data:`~palsim.report.runs.IGNORED_KEYS`). Where the runs under a
folder differ in some key beyond dataset, oracle and strategy (other epochs in a subfolder,
say), they form separate groups and each group names its value of every such key
(:attr:`GroupStats.settings`), so the report says which key differs.

Every number is of the report's metric (:mod:`~palsim.report.metrics`: test accuracy,
mIoU or pixel accuracy, one for the whole report). For each group, over its runs (the seeds):
mean, standard deviation (n - 1) and standard error of the metric per cycle; the normalised
area under the budget curve (AUBC: trapezoid of the metric over the labeled count, divided by
the labeled range, so it lies in [0, 1] like the metric); the final value; the realised
label-noise rate of the final labeled set; for segmentation runs, the mean IoU of each class
at the last cycle. Standard library only.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palsim.events import Event, EventName, read_first_event
from palsim.report.metrics import REPORT_METRICS, Metric
from palsim.report.runs import RunResult, collect, iou_per_class

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
    metric: Metric  # what ``values``, ``aubc`` and ``final`` measure
    labeled: list[int]  # labeled count per cycle (the same in every run of the group)
    values: list[Spread]  # the metric per cycle
    aubc: Spread  # of the metric over the labeled count
    final: Spread  # the metric at the last cycle
    noise_rate: float | None  # mean realised noise rate of the final labeled set
    iou_per_class: list[float | None] | None  # last cycle, mean over runs; None: not recorded
    class_names: list[str] | None = None  # from the runs' run_started event; None: unknown
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


def metric_of(groups: list[GroupStats]) -> Metric:
    """The metric of a report's groups (all share one); test accuracy when there are none."""
    return groups[0].metric if groups else REPORT_METRICS.get("accuracy")


def aubc(labeled: list[int], values: list[float]) -> float:
    """Trapezoid area of the metric over labeled count, divided by the labeled range."""
    if len(labeled) == 1 or labeled[-1] == labeled[0]:
        return values[-1]
    area = sum(
        (labeled[i + 1] - labeled[i]) * (values[i] + values[i + 1]) / 2
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
    per_class = mean_iou_per_class(runs)
    return GroupStats(
        members=runs,
        metric=runs[0].metric,
        labeled=runs[0].labeled,
        values=[Spread.of([run.values[c] for run in runs]) for c in range(cycles)],
        aubc=Spread.of([aubc(run.labeled, run.values) for run in runs]),
        final=Spread.of([run.values[-1] for run in runs]),
        noise_rate=sum(noise) / len(noise) if noise else None,
        iou_per_class=per_class,
        class_names=None if per_class is None else class_names(runs, len(per_class)),
    )


def class_names(runs: list[RunResult], count: int) -> list[str] | None:
    """The class names of the first run whose ``run_started`` event lists ``count`` of them
    (as text; shown through :func:`palsim.events.plain`); None when no run does."""
    for run in runs:
        names = listed_class_names(read_first_event(run.directory))
        if names is not None and len(names) == count:
            return names
    return None


def listed_class_names(event: Event | None) -> list[str] | None:
    """A ``run_started`` event's ``class_names`` as text; None for any other event, or none."""
    if event is None or event.get("event") != EventName.RUN_STARTED:
        return None
    names = event.get("class_names")
    return [str(name) for name in names] if isinstance(names, list) else None


def mean_iou_per_class(runs: list[RunResult]) -> list[float | None] | None:
    """Per class, the mean last-cycle IoU over the runs that have one (None: no run has);
    None when no run records the list or the runs' lists differ in length."""
    lists = [iou_per_class(run.cycles[-1]) for run in runs]
    known = [listed for listed in lists if listed is not None]
    if not known or len({len(listed) for listed in known}) > 1:
        return None
    means: list[float | None] = []
    for values in zip(*known, strict=True):
        present = [value for value in values if value is not None]
        means.append(sum(present) / len(present) if present else None)
    return means


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
    """``epochs=30, model=resnet18``: how a group's configuration differs from the others'.
    Strategy options read as typed, ``-S ssl_data=pool``; none given reads ``no -S``."""
    return ", ".join(setting_text(key, value) for key, value in settings.items())


def setting_text(key: str, value: Any) -> str:
    if key == "strategy_options" and isinstance(value, dict):
        options = (f"-S {name}={value_text(option)}" for name, option in sorted(value.items()))
        return " ".join(options) or "no -S"
    return f"{key}={value_text(value)}"


def report(root: Path, metric: str = "auto") -> tuple[list[GroupStats], list[tuple[Path, str]]]:
    """The groups of the finished runs under ``root`` measured by ``--metric metric``, and
    every skipped run with its reason. ValueError: no such folder, or ``auto`` over runs of
    both tasks."""
    if not root.is_dir():
        raise ValueError(f"{root} is not a directory of runs")
    results, skipped, _ = collect(root, metric)
    groups, mismatched = aggregate(results)
    return groups, skipped + mismatched

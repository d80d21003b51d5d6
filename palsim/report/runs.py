"""Read finished runs from run folders, defensively: folders are copied and shared, so every
value a report uses is checked here, and a run that cannot be used is skipped with a reason.

Two steps: :func:`read_run` checks a folder's status, configuration and labeled counts
(:class:`FinishedRun`); once the report's metric is known (``auto`` needs every run's task
first), :func:`measured` reads that metric from every cycle (:class:`RunResult`).
Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palsim.events import (
    CONFIG_FILE,
    EVENTS_FILE,
    SUMMARY_FILE,
    EventName,
    RunStatus,
    read_first_event,
    read_json_object,
)
from palsim.report.metrics import AUTO_METRIC, Metric, choose_metric, task_of

#: What ``--precision`` may come to in a run's ``run_started`` event.
PRECISIONS_COMPUTED = ("fp32", "bf16")
#: Configuration keys that never change a run's results, left out when runs are grouped:
#: the seeds (a group's runs differ in them), where files live and what the run is called,
#: where the arithmetic runs (a CUDA run differs from a CPU run in rounding, not in the
#: study; seeds run on different machines average together when they computed in the same
#: precision: ``auto`` counts as what it came to), and the evaluation batch (it changes how
#: many images are scored at once, not the scores).
IGNORED_KEYS = frozenset(
    {"seed", "noise_seed", "name", "out", "data_dir", "device", "eval_batch_size"}
)


@dataclass(frozen=True)
class FinishedRun:
    """The parts of one finished run's summary.json that a report uses, before its metric."""

    directory: Path
    config: dict[str, Any]  # the resolved configuration (summary.json's copy of config.json)
    cycles: list[dict[str, Any]]  # summary.json's cycle records, each checked below
    labeled: list[int]  # labeled count per cycle
    noise_rate: float | None  # realised, over the final labeled set

    @property
    def task(self) -> str:
        """classification or segmentation, from the run's own records."""
        return task_of(list(self.cycles))

    @property
    def dataset(self) -> str:
        return str(self.config["dataset"])

    @property
    def oracle(self) -> str:
        return str(self.config["oracle"])

    @property
    def strategy(self) -> str:
        return str(self.config["strategy"])

    @property
    def seed(self) -> int | None:
        seed = self.config.get("seed")
        return seed if isinstance(seed, int) and not isinstance(seed, bool) else None

    @property
    def seeds(self) -> tuple[int | None, int | None]:
        """(seed, noise_seed): what a run shares with the other strategies' runs of its seed."""
        noise_seed = self.config.get("noise_seed", self.seed)
        return self.seed, noise_seed if isinstance(noise_seed, int) else None

    @property
    def identity(self) -> dict[str, Any]:
        """The configuration without the keys that never change results (:data:`IGNORED_KEYS`)."""
        return {key: value for key, value in self.config.items() if key not in IGNORED_KEYS}


@dataclass(frozen=True)
class RunResult(FinishedRun):
    """A finished run with the report's metric read from every cycle."""

    metric: Metric  # the number the report is about
    values: list[float]  # that metric per cycle, each in [0, 1]


def find_run_directories(root: Path) -> list[Path]:
    """``root`` itself when it is a run directory, else every run directory below it."""
    markers = (CONFIG_FILE, SUMMARY_FILE, EVENTS_FILE)
    if any((root / marker).exists() for marker in markers):
        return [root]
    found = {path.parent for marker in markers for path in root.rglob(marker)}
    return sorted(found)


def read_run(directory: Path) -> FinishedRun:
    """Read a finished run; ValueError says why it cannot be used."""
    path = directory / SUMMARY_FILE
    if not path.exists():
        raise ValueError("no summary.json (the run crashed before writing one)")
    summary = read_json_object(path)
    if summary is None:
        raise ValueError("summary.json is unreadable or not valid JSON")
    status = summary.get("status")
    if status == RunStatus.FAILED:
        raise ValueError(f"the run failed: {summary.get('error') or 'no error recorded'}")
    if status != RunStatus.FINISHED:
        raise ValueError(f"unfinished (status {status}); finish it with palsim run --resume DIR")
    config, cycles = summary.get("config"), summary.get("cycles")
    if not isinstance(config, dict) or not all(
        isinstance(config.get(key), str) for key in ("dataset", "oracle", "strategy")
    ):
        raise ValueError("summary.json's config lacks the dataset, oracle or strategy")
    if not isinstance(cycles, list) or not cycles:
        raise ValueError("summary.json has no cycles")
    labeled = [checked_count(cycle) for cycle in cycles]
    config = with_computed_precision(directory, config)
    return FinishedRun(directory, config, cycles, labeled, final_noise_rate(cycles[-1]))


def with_computed_precision(directory: Path, config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with ``precision: auto`` replaced by what the run computed in (``fp32`` or
    ``bf16``, from its ``run_started`` event), so that runs ``auto`` sent to different
    precisions (another machine, another palsim) are never grouped or paired together. A run
    whose log does not say keeps ``auto``, apart from both."""
    if config.get("precision", "auto") != "auto":
        return config
    event = read_first_event(directory) or {}
    computed = event.get("precision") if event.get("event") == EventName.RUN_STARTED else None
    if computed not in PRECISIONS_COMPUTED:
        return config
    return {**config, "precision": computed}


def measured(run: FinishedRun, metric: Metric) -> RunResult:
    """``run`` with ``metric`` read from each cycle; ValueError when a cycle lacks it."""
    if run.task != metric.task:
        other = AUTO_METRIC[run.task]
        raise ValueError(f"a {run.task} run has no {metric.label} (its metric: --metric {other})")
    values = [checked_value(cycle, metric) for cycle in run.cycles]
    return RunResult(
        run.directory, run.config, run.cycles, run.labeled, run.noise_rate, metric, values
    )


def checked_count(cycle: Any) -> int:
    value = cycle.get("labeled") if isinstance(cycle, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("a cycle of summary.json lacks a positive labeled count")
    return value


def checked_value(cycle: dict[str, Any], metric: Metric) -> float:
    """The cycle's ``metric``: a number in [0, 1] (NaN, text, a missing key are refused)."""
    value = cycle.get(metric.key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"a cycle of summary.json lacks a {metric.label} in [0, 1]")
    return float(value)


def iou_per_class(record: dict[str, Any]) -> list[float | None] | None:
    """A record's ``test_iou_per_class``: None unless it is a list; an entry that is not a
    number in [0, 1] counts as a class without IoU (None), as a class absent from the split."""
    listed = record.get("test_iou_per_class")
    if not isinstance(listed, list):
        return None
    return [
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        else None
        for value in listed
    ]


def final_noise_rate(last: dict[str, Any]) -> float | None:
    """The realised noise rate of the final labeled set, when the record has it."""
    rate = last.get("noise_rate")
    if rate is None and isinstance(last.get("noisy_labels"), int):
        rate = last["noisy_labels"] / last["labeled"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
        return None
    return float(rate)


def collect(
    root: Path, metric_name: str = "auto"
) -> tuple[list[RunResult], list[tuple[Path, str]], Metric]:
    """Finished runs under ``root`` with the metric ``--metric metric_name`` (``auto``: from
    the runs' task), (directory, reason) for every run skipped, and the metric. ValueError
    when ``auto`` meets runs of both tasks."""
    finished: list[FinishedRun] = []
    skipped: list[tuple[Path, str]] = []
    for directory in find_run_directories(root):
        try:
            finished.append(read_run(directory))
        except ValueError as reason:
            skipped.append((directory, str(reason)))
    metric = choose_metric(metric_name, (run.task for run in finished))
    results: list[RunResult] = []
    for run in finished:
        try:
            results.append(measured(run, metric))
        except ValueError as reason:
            skipped.append((run.directory, str(reason)))
    return results, skipped, metric

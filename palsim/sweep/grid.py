"""Sweeps: expand a grid of studies, name each run, decide which to run, skip or resume.

A grid is the product of datasets x strategies x oracle specs x seeds, written as comma
lists and ranges (``--strategy pal,entropy --oracle noisy:0,0.1,0.2 --seeds 0-4``). Every
grid point gets a deterministic run name, so running the same sweep again skips the runs
that finished and resumes the ones that were interrupted. The parsers are plain functions
that raise ValueError with a message naming the valid forms. Importing this module loads no
torch: :func:`grid_from_options` imports the dataset and strategy registries only when it
checks names, and the backends (local processes, Ray) import the engine.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from palsim import store
from palsim.config import RunConfig
from palsim.events import CONFIG_FILE, RunStatus, is_finished, read_json_object
from palsim.store import read_summary

# Run states that `plan` assigns before anything runs.
NEW, RESUME, DONE, CONFLICT = "new", "resume", "done", "conflict"
#: An Outcome's status for a grid point that had finished before (the others: RunStatus).
SKIPPED = "skipped"


@dataclass(frozen=True)
class GridPoint:
    """One study of a sweep: its run name and its configuration (``name`` and ``out`` set)."""

    name: str
    config: RunConfig

    @property
    def directory(self) -> Path:
        return Path(self.config.out) / self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config.to_dict()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> GridPoint:
        return cls(values["name"], RunConfig.from_dict(values["config"]))


@dataclass
class Outcome:
    """How one grid point ended: finished, skipped, failed or interrupted."""

    name: str
    status: str
    directory: str
    final_accuracy: float | None = None  # test accuracy of the last cycle (classification)
    seconds: float = 0.0
    error: str | None = None
    final_miou: float | None = None  # test mIoU of the last cycle (segmentation runs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


Report = Callable[[Outcome], None]  # called once per grid point as it ends
Backend = Callable[[list[GridPoint], Report], None]  # runs the points, reporting each


def parse_list(text: str, what: str) -> list[str]:
    """``"pal,entropy"`` -> ``["pal", "entropy"]``; empty items and repeats are errors."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise ValueError(f"{what} {text!r}: empty item; expected a comma list like a,b,c")
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"{what} {text!r}: {repeated[0]!r} is listed twice")
    return items


#: Most runs one sweep may hold; a typo like 0-100000000 must not build a list that fills memory.
MAX_GRID_RUNS = 10_000


def parse_seeds(text: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"0,3,7"`` and ``"0-2,10"`` work too."""
    seeds: list[int] = []
    for item in parse_list(text, "--seeds"):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
        if match is None:
            raise ValueError(
                f"--seeds {text!r}: {item!r} is not a seed; expected numbers and ranges "
                "like 0-4 or 0,3,7"
            )
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise ValueError(f"--seeds {text!r}: range {item!r} runs backwards; write {high}-{low}")
        if len(seeds) + high - low + 1 > MAX_GRID_RUNS:
            raise ValueError(f"--seeds {text!r}: more than {MAX_GRID_RUNS} seeds in one sweep")
        seeds += range(low, high + 1)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds {text!r}: a seed is listed twice")
    return seeds


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_oracles(text: str) -> list[str]:
    """``"noisy:0,0.1,pair:0.2,0.4"`` -> noisy:0, noisy:0.1, pair:0.2, pair:0.4.

    A bare number repeats the form of the spec before it (everything up to its last colon).
    """
    specs: list[str] = []
    for item in parse_list(text, "--oracle"):
        if not is_number(item):
            specs.append(item)
            continue
        if not specs or ":" not in specs[-1]:
            raise ValueError(
                f"--oracle {text!r}: {item!r} has no noise model before it; write e.g. noisy:{item}"
            )
        specs.append(f"{specs[-1].rpartition(':')[0]}:{item}")
    if len(set(specs)) != len(specs):
        raise ValueError(f"--oracle {text!r}: an oracle spec is listed twice")
    return specs


def run_name(config: RunConfig) -> str:
    """``dataset-strategy-oracle-s<seed>``, made safe for a folder name; the same every time."""
    return store.run_name(config.to_dict())


def expand_grid(
    base: RunConfig,
    datasets: list[str] | None = None,
    strategies: list[str] | None = None,
    oracles: list[str] | None = None,
    seeds: list[int] | None = None,
) -> list[GridPoint]:
    """Every combination, in order dataset > strategy > oracle > seed; None keeps ``base``'s."""
    out = str(Path(base.out).resolve())  # absolute, so that every worker writes the same store
    points: list[GridPoint] = []
    for dataset in datasets or [base.dataset]:
        for strategy in strategies or [base.strategy]:
            for oracle in oracles or [base.oracle]:
                for seed in seeds if seeds is not None else [base.seed]:
                    config = dataclasses.replace(
                        base, dataset=dataset, strategy=strategy, oracle=oracle, seed=seed, out=out
                    )
                    name = run_name(config)
                    points.append(GridPoint(name, dataclasses.replace(config, name=name)))
    names = [point.name for point in points]
    clash = next((name for name in names if names.count(name) > 1), None)
    if clash is not None:
        raise ValueError(f"two grid points share the run name {clash!r}; rename a value")
    return points


def grid_from_options(
    base: RunConfig,
    datasets: str | None = None,
    strategies: str | None = None,
    oracles: str | None = None,
    seeds: str | None = None,
) -> list[GridPoint]:
    """Parse the command line's grid options and expand them; names are checked up front."""
    from palsim.datasets import DATASETS
    from palsim.strategies import load_all

    dataset_list = parse_list(datasets, "--dataset") if datasets is not None else None
    strategy_list = parse_list(strategies, "--strategy") if strategies is not None else None
    oracle_list = parse_oracles(oracles) if oracles is not None else None
    seed_list = parse_seeds(seeds) if seeds is not None else None
    # Each registry raises ValueError naming the valid choices for a name it does not hold.
    strategies_known = load_all()
    for strategy in strategy_list or [base.strategy]:
        strategies_known.get(strategy)
    for dataset in dataset_list or [base.dataset]:
        DATASETS.get(dataset)
    runs = math.prod(len(items or [None]) for items in (dataset_list, strategy_list, oracle_list))
    if runs * len(seed_list or [None]) > MAX_GRID_RUNS:
        raise ValueError(f"the grid holds more than {MAX_GRID_RUNS} runs; split the sweep")
    return expand_grid(base, dataset_list, strategy_list, oracle_list, seed_list)


def check_points(points: list[GridPoint]) -> None:
    """Check every grid point as ``palsim run`` would, before any data is loaded.

    Raises ValueError naming the first bad point, so that a sweep refuses a bad grid before
    its first run starts.
    """
    from palsim.runner import check, check_out

    for point in points:
        try:
            check(point.config)
        except ValueError as error:
            raise ValueError(f"grid point {point.name}: {error}") from None
    if points:
        check_out(Path(points[0].config.out))


def config_conflict(point: GridPoint) -> str | None:
    """How an existing run directory's settings differ from the grid point's, or None.

    Settings the grid point leaves to the preset (None, ``auto``) match any value.
    """
    return conflict_with(point, read_json_object(point.directory / CONFIG_FILE))


def conflict_with(point: GridPoint, existing: dict[str, Any] | None) -> str | None:
    """:func:`config_conflict` against an already read config.json (None: none readable)."""
    if existing is None:
        return None
    for key, planned in point.config.to_dict().items():
        if key in ("out", "name") or planned is None or (key == "preset" and planned == "auto"):
            continue
        if existing.get(key) != planned:
            return (
                f"{point.directory} holds a run with {key} {existing.get(key)!r}, not "
                f"{planned!r}; use another --out"
            )
    return None


def plan(points: list[GridPoint]) -> list[tuple[GridPoint, str, str | None]]:
    """(point, state, detail) for each point: new, resume, done (skip) or conflict."""
    return [(point, state, detail) for point, state, detail, _ in plan_with_finals(points)]


class Finals(TypedDict):
    """A finished run's last test metrics, as :class:`Outcome`'s keyword arguments."""

    final_accuracy: float | None  # classification runs
    final_miou: float | None  # segmentation runs


NO_FINALS = Finals(final_accuracy=None, final_miou=None)


def plan_with_finals(
    points: list[GridPoint],
) -> list[tuple[GridPoint, str, str | None, Finals]]:
    """:func:`plan`, plus the final test metrics of each finished run (empty for the others).

    Reads each run's config.json and summary.json at most once.
    """
    planned: list[tuple[GridPoint, str, str | None, Finals]] = []
    for point in points:
        config_path = point.directory / CONFIG_FILE
        existing = read_json_object(config_path)
        conflict = conflict_with(point, existing)
        if conflict is not None:
            planned.append((point, CONFLICT, conflict, NO_FINALS))
            continue
        summary = read_summary(point.directory)
        if is_finished(summary):
            planned.append((point, DONE, None, finals(summary)))
        elif existing is not None or config_path.exists():  # exists: present but unreadable
            planned.append((point, RESUME, None, NO_FINALS))
        else:
            planned.append((point, NEW, None, NO_FINALS))
    return planned


def finals(summary: dict[str, Any] | None) -> Finals:
    """The last cycle's test accuracy (classification) and mIoU (segmentation); None where
    the run has no such value."""
    cycles = (summary or {}).get("cycles") or []
    last = cycles[-1] if cycles and isinstance(cycles[-1], dict) else {}
    return Finals(final_accuracy=last.get("test_accuracy"), final_miou=last.get("test_miou"))


def run_sweep(
    points: list[GridPoint],
    run_all: Backend,
    on_start: Callable[[int, int], None],
    on_outcome: Report,
) -> list[Outcome]:
    """Skip finished runs, report conflicts, hand the rest to a backend; return every outcome.

    ``run_all(points, report)`` runs the points (new or to resume) and calls ``report`` once
    per point; ``on_start(total, skipped)`` is called first.
    """
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        on_outcome(outcome)

    planned = plan_with_finals(points)
    skipped = [entry for entry in planned if entry[1] in (DONE, CONFLICT)]
    on_start(len(points), sum(1 for _, state, _, _ in skipped if state == DONE))
    for point, state, detail, values in skipped:
        if state == DONE:
            report(Outcome(point.name, SKIPPED, str(point.directory), **values))
        else:
            report(Outcome(point.name, RunStatus.FAILED, str(point.directory), error=detail))
    to_run = [point for point, state, _, _ in planned if state in (NEW, RESUME)]
    if to_run:
        run_all(to_run, report)
    return outcomes

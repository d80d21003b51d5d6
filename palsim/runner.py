"""Run one study end to end: check the input, open the run store, drive the loop.

``prepare`` turns bad input into :class:`UsageError` before anything is written;
``execute`` runs a prepared study, and however it ends (finished, Ctrl-C, a crash) the run
directory holds everything up to the last finished cycle and says how it ended.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import oracles
from oracles.spec import check as check_oracle_spec
from palsim.config import Resolved, RunConfig, check_values, resolve
from palsim.datasets import IGNORE_INDEX, DatasetNotFound, dataset_task, load_dataset
from palsim.errors import UsageError
from palsim.events import CONFIG_FILE, EVENTS_FILE, Event, RunStatus, is_finished, read_json_object
from palsim.loop import LoopState, Study, make_study, run_study
from palsim.models import MODELS
from palsim.oracle_inputs import supply_inputs
from palsim.resume_check import (
    Expected,
    FolderMismatch,
    check_fresh,
    check_resume_options,
    checked_checkpoint,
)
from palsim.run_lock import RunLock, RunLocked
from palsim.segmentation.models import SEGMENTATION_MODELS
from palsim.store import (
    CHECKPOINT_FILE,
    CONFIG_HASH_KEY,
    RunStore,
    config_hash,
    default_run_name,
    read_summary,
    remove_leftovers,
)
from palsim.strategies import STRATEGIES, Strategy, load_all
from palsim.train import PRECISIONS
from palsim.values import NAME_MAX, check_run_name

__all__ = [
    "AlreadyFinished",
    "Prepared",
    "UsageError",
    "check",
    "check_out",
    "check_output",
    "execute",
    "prepare",
    "prepare_resume",
    "run",
]


class AlreadyFinished(Exception):
    """``--resume`` of a run that has finished: nothing to do; carries its summary."""

    def __init__(self, directory: Path, summary: dict[str, Any]) -> None:
        super().__init__(f"run {directory} is already finished; nothing to resume")
        self.summary = summary


@dataclass
class Prepared:
    study: Study
    directory: Path
    state: LoopState | None  # None for a fresh run
    notice: str | None  # one line for the user, e.g. that the quick preset was chosen
    resuming: bool = False  # continue an existing directory (without a checkpoint: start over)


def check(config: RunConfig) -> tuple[Resolved, Strategy]:
    """Everything that can be checked without the data: values, names, options, oracle form.

    Raises ValueError. Sweeps call it for every grid point before the first run starts.
    """
    task = dataset_task(config.dataset)  # raises for an unknown dataset, naming the choices
    resolved = resolve(config, cuda_available=torch.cuda.is_available(), task=task)
    config = resolved.config
    strategy_type = load_all().get(config.strategy)
    strategy = strategy_type(config.strategy_options)
    if task not in strategy_type.tasks:
        able = ", ".join(sorted(n for n in STRATEGIES.names() if task in STRATEGIES.get(n).tasks))
        raise ValueError(
            f"strategy {config.strategy!r} cannot query for {task} ({config.dataset} is a "
            f"{task} dataset); choose one of: {able}"
        )
    strategy.check_task(task)
    initial_type = initial_strategy(config.initial_strategy)
    if initial_type is not None and task not in initial_type.tasks:
        raise ValueError(
            f"--initial-strategy {config.initial_strategy} cannot draw a {task} set; use random"
        )
    if config.model != "auto":
        (SEGMENTATION_MODELS if task == "segmentation" else MODELS).get(config.model)
    if config.precision not in PRECISIONS:
        choices = ", ".join(PRECISIONS)
        raise ValueError(f"unknown precision {config.precision!r}; choose one of: {choices}")
    if task == "segmentation":
        # The class count comes with the data; the spec's form is checked here against the
        # largest one a mask may hold, its class matrix (if any) once the data is loaded.
        if "matrix=" not in config.oracle:
            oracles.parse_masks(config.oracle, IGNORE_INDEX)
    else:
        check_oracle_spec(config.oracle)
    return resolved, strategy


def initial_strategy(name: str) -> Strategy | None:
    """The strategy that draws the initial set (default options); None for ``random``, the
    loop's seeded uniform draw. Raises ValueError unless ``name`` is a cold-start strategy."""
    if name == "random":
        return None
    registry = load_all()
    valid = [entry for entry in registry.names() if registry.get(entry).cold_start]
    choices = ", ".join(["random", *sorted(entry for entry in valid if entry != "random")])
    if name not in registry:
        raise ValueError(f"unknown --initial-strategy {name!r}; choose one of: {choices}")
    if not registry.get(name).cold_start:
        raise ValueError(
            f"--initial-strategy {name}: needs labels or a trained task model; "
            f"choose one of: {choices}"
        )
    return registry.get(name)()


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that is a file, lies under a file, or cannot be written."""
    long_part = next((part for part in out.parts if len(os.fsencode(part)) > NAME_MAX), None)
    if long_part is not None:
        raise ValueError(f"--out {out}: a folder name may be at most {NAME_MAX} bytes long")
    existing = next(folder for folder in (out, *out.parents) if folder.exists())
    if not existing.is_dir():
        where = "is a file" if existing == out else f"lies under the file {existing}"
        raise ValueError(f"--out {out}: {where}, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out}: cannot write in {existing} (permission denied)")


def check_output(directory: Path) -> None:
    """Refuse a run folder that cannot be written, or that already holds a run."""
    check_out(directory.parent)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"run directory {directory} is a file; choose another --name")
    if (directory / CONFIG_FILE).exists() or (directory / EVENTS_FILE).exists():
        raise ValueError(
            f"run directory {directory} already exists; choose another --name or use --resume"
        )


def prepare(
    config: RunConfig, resume_state: LoopState | None = None, directory: Path | None = None
) -> Prepared:
    """Check the configuration and the run folder, then load the data and build the study.

    Nothing is written; every bad input is a :class:`UsageError`, raised before the data is
    loaded wherever it does not depend on the data.
    """
    try:
        resolved, strategy = check(config)
        if directory is None:
            name = config.name or default_run_name(resolved.config.to_dict())
            resolved = dataclasses.replace(
                resolved, config=dataclasses.replace(resolved.config, name=check_run_name(name))
            )
            directory = Path(resolved.config.out) / name
            check_output(directory)
        data_dir = Path(config.data_dir) if config.data_dir else None
        dataset = load_dataset(config.dataset, data_dir)
        strategy.check_images(dataset.task, tuple(dataset.train_images.shape[1:]))
        noise_seed = resolved.config.noise_seed
        assert noise_seed is not None  # set by resolve
        notes: list[str] = []
        if dataset.task == "segmentation":
            masks = oracles.parse_masks(config.oracle, dataset.num_classes, dataset.background)
            study = make_study(resolved, dataset, masks, strategy, torch.device(resolved.device))
        else:
            oracle = oracles.parse(config.oracle, dataset.num_classes)
            study = make_study(resolved, dataset, oracle, strategy, torch.device(resolved.device))
            notes = supply_inputs(oracle, dataset, noise_seed, torch.device(resolved.device))
        study.oracle_notes = notes
        study.initial_strategy = initial_strategy(config.initial_strategy)
    except (ValueError, TypeError, DatasetNotFound) as error:  # TypeError: a mistyped config
        raise UsageError(str(error)) from None
    notice = None
    if config.preset == "auto" and resolved.device == "cpu":
        notice = (
            "no GPU in use: running the 'quick' preset, sized for a CPU; "
            "--preset paper for the full protocol"
        )
    notice = "\n".join(line for line in (notice, *notes) if line) or None
    return Prepared(study, directory, resume_state, notice)


def start_over(directory: Path) -> str:
    return f"to start over, delete {directory} or run again with another --name"


def prepare_resume(directory: Path, overrides: dict[str, Any] | None = None) -> Prepared:
    """Reload a run directory's configuration; ``overrides`` are the options given with it.

    A finished run raises :class:`AlreadyFinished` before any data is loaded; the CLI says
    so in one line and exits 0, since there is nothing left to do. Options that would change
    the study are refused, as is a config.json edited since the run started (its hash is in
    checkpoint.json). The rest of the folder is checked by :func:`execute`, under its lock.
    """
    if not (directory / CONFIG_FILE).is_file():
        raise UsageError(f"--resume {directory}: not a run directory (no {CONFIG_FILE})")
    saved = read_json_object(directory / CONFIG_FILE)
    if saved is None:
        raise UsageError(
            f"--resume {directory}: {CONFIG_FILE} is unreadable or not a JSON object; "
            + start_over(directory)
        )
    summary = read_summary(directory)
    if summary is not None and is_finished(summary):
        # Finished only if the checkpoint agrees: an edited summary is refused, not trusted.
        done = read_json_object(directory / CHECKPOINT_FILE) or {}
        if done.get("next_cycle") != saved.get("cycles") or done.get("records") != summary.get(
            "cycles"
        ):
            raise UsageError(
                f"--resume {directory}: summary.json says finished but disagrees with "
                f"{CHECKPOINT_FILE}; " + start_over(directory)
            )
        raise AlreadyFinished(directory, summary)
    try:
        check_resume_options(directory, overrides or {})
    except ValueError as error:
        raise UsageError(str(error)) from None
    # Checked again under the lock; here so that an edited config is refused before the
    # dataset is loaded.
    checkpoint = read_json_object(directory / CHECKPOINT_FILE)
    if checkpoint is not None and checkpoint.get(CONFIG_HASH_KEY) != config_hash(saved):
        raise UsageError(
            f"--resume {directory}: {CONFIG_FILE} has changed since the run started (or "
            f"{CHECKPOINT_FILE} was written by an older palsim); " + start_over(directory)
        )
    try:
        config = RunConfig.from_dict(saved)
        check_values(config)  # a copied folder's name, seeds and sizes, before anything runs
    except (ValueError, TypeError) as error:
        raise UsageError(f"--resume {directory}: unreadable {CONFIG_FILE}: {error}") from None
    if overrides and overrides.get("data_dir") is not None:
        config = dataclasses.replace(config, data_dir=overrides["data_dir"])
    return dataclasses.replace(prepare(config, None, directory), resuming=True)


def trusted_state(prepared: Prepared) -> LoopState | None:
    """The checkpoint's state once every file of the folder agrees with it; None: start over.

    Raises UsageError naming the file that disagrees.
    """
    study, directory = prepared.study, prepared.directory
    path = directory / CHECKPOINT_FILE
    saved = read_json_object(directory / CONFIG_FILE) or {}
    assert study.config.cycles is not None
    new_per_cycle = study.budget - study.reasks  # re-asks label no new samples
    expected = Expected(
        saved,
        study.pool_indices,
        study.dataset.num_classes,
        study.initial,
        new_per_cycle,
        study.config.cycles,
        reasks=study.reasks,
    )
    try:
        if not (path.exists() or path.is_symlink()):
            check_fresh(directory)
            return None
        state = checked_checkpoint(directory, read_json_object(path), expected)
        summary = read_summary(directory) or {}
        if summary.get("status") == "finished" and (
            state["next_cycle"] != expected.cycles or summary.get("cycles") != state["records"]
        ):
            raise FolderMismatch("summary.json says finished but disagrees with checkpoint.json")
    except FolderMismatch as error:
        raise UsageError(f"--resume {directory}: {error}; {start_over(directory)}") from None
    return LoopState(**state)


def execute(prepared: Prepared, on_event: Callable[[Event], None] | None = None) -> dict[str, Any]:
    """Run the study, writing its directory; returns the summary. Re-raises Ctrl-C and crashes.

    The folder's lock is taken before anything is written and held until the run ends.
    """
    try:
        lock = RunLock.acquire(prepared.directory)
    except RunLocked as error:
        raise UsageError(str(error)) from None
    with lock:
        remove_leftovers(prepared.directory)
        return _execute_locked(prepared, on_event)


def _execute_locked(prepared: Prepared, on_event: Callable[[Event], None] | None) -> dict[str, Any]:
    study, directory, state = prepared.study, prepared.directory, prepared.state
    if prepared.resuming:
        state = trusted_state(prepared)
        summary = read_summary(directory)
        if state is not None and summary and is_finished(summary):
            return summary
        records, replay_from = ([], -1) if state is None else (state.records, state.next_cycle)
        store = RunStore.reopen(directory, records, replay_from)
    else:
        try:
            store = RunStore.create(directory, study.config.to_dict())
        except FileExistsError as error:  # another process took the name since prepare
            raise UsageError(str(error)) from None
    store.listener = on_event
    try:
        run_study(
            study,
            store.emit,
            state,
            checkpoint=lambda s: store.save_checkpoint(s.to_dict()),
            show=on_event or (lambda event: None),
        )
    except KeyboardInterrupt:
        store.finish(RunStatus.INTERRUPTED, "stopped by the user (Ctrl-C)")
        raise
    except Exception as error:
        store.finish(RunStatus.FAILED, f"{type(error).__name__}: {error}")
        raise
    return store.finish(RunStatus.FINISHED)


def run(config: RunConfig, on_event: Callable[[Event], None] | None = None) -> dict[str, Any]:
    """Library entry point: prepare and execute a study in one call."""
    return execute(prepare(config), on_event)

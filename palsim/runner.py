"""Run one study end to end: check the input, open the run store, drive the loop.

``prepare`` turns bad input into :class:`UsageError` before anything is written;
``execute`` runs a prepared study, and however it ends (finished, Ctrl-C, a crash) the run
directory holds everything up to the last finished cycle and says how it ended.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import oracles
from palsim.config import RunConfig, resolve_preset
from palsim.datasets import DatasetNotFound, load_dataset
from palsim.events import CONFIG_FILE, Event, read_json_object
from palsim.loop import LoopState, Study, make_study, run_study
from palsim.oracle_inputs import supply_inputs
from palsim.resume_check import (
    Expected,
    FolderMismatch,
    check_fresh,
    check_resume_options,
    checked_checkpoint,
)
from palsim.run_lock import RunLock, RunLocked
from palsim.store import (
    CHECKPOINT_FILE,
    CONFIG_HASH_KEY,
    RunStore,
    config_hash,
    default_run_name,
    read_summary,
    remove_leftovers,
)
from palsim.strategies import load_all


class UsageError(Exception):
    """Bad input from the user: the CLI prints the message in one line and exits 2."""


@dataclass
class Prepared:
    study: Study
    directory: Path
    state: LoopState | None  # None for a fresh run
    notice: str | None  # one line for the user, e.g. that the quick preset was chosen
    resuming: bool = False  # continue an existing directory (without a checkpoint: start over)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available here; use --device cpu")
    if name not in ("cpu", "cuda"):
        raise UsageError(f"unknown device {name!r}; choose one of: auto, cpu, cuda")
    return torch.device(name)


def prepare(config: RunConfig, resume_state: LoopState | None = None,
            directory: Path | None = None) -> Prepared:
    """Resolve the configuration, load the data, build oracle and strategy, check the sizes."""
    device = resolve_device(config.device)
    notice = None
    if config.preset == "auto" and device.type == "cpu":
        notice = (
            "no GPU in use: running the 'quick' preset, sized for a CPU; "
            "--preset paper for the full protocol"
        )
    try:
        resolved = resolve_preset(config, cuda_available=device.type == "cuda")
        data_dir = Path(resolved.data_dir) if resolved.data_dir else None
        dataset = load_dataset(resolved.dataset, data_dir)
        oracle = oracles.parse(resolved.oracle, dataset.num_classes)
        strategy = load_all().get(resolved.strategy)(resolved.strategy_options)
        study = make_study(resolved, dataset, oracle, strategy, device)
        assert resolved.noise_seed is not None  # set by resolve_preset
        notes = supply_inputs(oracle, dataset, resolved.noise_seed, device)
        study.oracle_notes = notes
    except (ValueError, TypeError, DatasetNotFound) as error:  # TypeError: a mistyped config
        raise UsageError(str(error)) from None
    notice = "\n".join(line for line in (notice, *notes) if line) or None
    if directory is None:
        name = resolved.name or default_run_name(resolved.to_dict())
        resolved = dataclasses.replace(resolved, name=name)
        study.config = resolved
        directory = Path(resolved.out) / name
    return Prepared(study, directory, resume_state, notice)


def start_over(directory: Path) -> str:
    return f"to start over, delete {directory} or run again with another --name"


def prepare_resume(directory: Path, overrides: dict[str, Any] | None = None) -> Prepared:
    """Reload a run directory's configuration; ``overrides`` are the options given with it.

    Options that would change the study are refused, as is a config.json edited since the
    run started (its hash is in checkpoint.json). The rest of the folder is checked by
    :func:`execute`, under the folder's lock.
    """
    if not (directory / CONFIG_FILE).is_file():
        raise UsageError(f"--resume {directory}: not a run directory (no {CONFIG_FILE})")
    saved = read_json_object(directory / CONFIG_FILE)
    if saved is None:
        raise UsageError(
            f"--resume {directory}: {CONFIG_FILE} is unreadable or not a JSON object; "
            + start_over(directory)
        )
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
    expected = Expected(saved, study.pool_indices, study.dataset.num_classes, study.initial,
                        new_per_cycle, study.config.cycles, reasks=study.reasks)  # fmt: skip
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
        if state is not None and summary and summary.get("status") == "finished":
            return summary
        records, replay_from = ([], -1) if state is None else (state.records, state.next_cycle)
        store = RunStore.reopen(directory, records, replay_from)
    else:
        try:
            store = RunStore.create(directory, study.config.to_dict())
        except FileExistsError as error:
            raise UsageError(str(error)) from None
    store.listener = on_event
    try:
        run_study(study, store.emit, state, checkpoint=lambda s: store.save_checkpoint(s.to_dict()))
    except KeyboardInterrupt:
        store.finish("interrupted", "stopped by the user (Ctrl-C)")
        raise
    except Exception as error:
        store.finish("failed", f"{type(error).__name__}: {error}")
        raise
    return store.finish("finished")


def run(config: RunConfig, on_event: Callable[[Event], None] | None = None) -> dict[str, Any]:
    """Library entry point: prepare and execute a study in one call."""
    return execute(prepare(config), on_event)

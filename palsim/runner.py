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
from palsim.events import CONFIG_FILE, Event
from palsim.loop import LoopState, Study, make_study, run_study
from palsim.oracle_inputs import supply_inputs
from palsim.store import RunStore, default_run_name, read_checkpoint, read_json, read_summary
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
    except (ValueError, DatasetNotFound) as error:
        raise UsageError(str(error)) from None
    notice = "\n".join(line for line in (notice, *notes) if line) or None
    if directory is None:
        name = resolved.name or default_run_name(resolved.to_dict())
        resolved = dataclasses.replace(resolved, name=name)
        study.config = resolved
        directory = Path(resolved.out) / name
    return Prepared(study, directory, resume_state, notice)


def prepare_resume(directory: Path) -> Prepared:
    """Reload a run directory's configuration and checkpoint."""
    if not (directory / CONFIG_FILE).is_file():
        raise UsageError(f"--resume {directory}: not a run directory (no {CONFIG_FILE})")
    try:
        config = RunConfig.from_dict(read_json(directory / CONFIG_FILE))
    except (ValueError, TypeError) as error:
        raise UsageError(f"--resume {directory}: unreadable {CONFIG_FILE}: {error}") from None
    checkpoint = read_checkpoint(directory)
    state = LoopState(**checkpoint) if checkpoint else None
    return dataclasses.replace(prepare(config, state, directory), resuming=True)


def execute(prepared: Prepared, on_event: Callable[[Event], None] | None = None) -> dict[str, Any]:
    """Run the study, writing its directory; returns the summary. Re-raises Ctrl-C and crashes."""
    study, directory, state = prepared.study, prepared.directory, prepared.state
    if prepared.resuming:
        summary = read_summary(directory)
        if summary and summary.get("status") == "finished":
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

"""Resume: a run killed mid-cycle (SIGKILL) or stopped with Ctrl-C (SIGINT) and resumed with
`palsim run --resume` ends with exactly the queries and accuracies of an uninterrupted run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import EventName, read_events
from palsim.store import RunStore, read_summary
from tests.conftest import requires_fashion_mnist, tiny_study_args

# A round-robin annotator pool: its answers depend on how many items were answered before,
# so a resume that lost or duplicated an answer would show. The 2000-image test split keeps
# each cycle long enough to be interrupted in its middle.
STUDY = {
    "pool_size": 300,
    "initial": 40,
    "budget": 40,
    "cycles": 3,
    "epochs": 1,
    "min_steps": 0,
    "strategy": "random",
    "test_size": 2000,
    "oracle": "annotators:3:0.1-0.4:round-robin",
}


def start_run(out: Path, name: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "palsim", "run", *tiny_study_args(out, name, **STUDY)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_cycle(directory: Path, cycle: int, process: subprocess.Popen[str]) -> None:
    """Poll events.jsonl until the run has started ``cycle``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = read_events(directory) if directory.exists() else []
        if any(e["event"] == EventName.CYCLE_STARTED and e["cycle"] == cycle for e in events):
            return
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.005)
    raise AssertionError(f"{directory} did not reach cycle {cycle}")


def stop_at_cycle_1(tmp_path: Path, name: str, signum: int) -> tuple[Path, subprocess.Popen[str]]:
    """Start run ``name`` under ``tmp_path`` and send it ``signum`` once cycle 1 has started."""
    directory = tmp_path / name
    process = start_run(tmp_path, name)
    wait_for_cycle(directory, 1, process)
    process.send_signal(signum)
    return directory, process


def resume(directory: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "palsim", "run", "--resume", str(directory), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def result_of(directory: Path) -> dict[str, Any]:
    """Per cycle: the query (the last one logged wins, as a replayed cycle logs it again),
    and the summary's accuracies and noise counts; plus the annotation log."""
    queries = {
        e["cycle"]: [e[key] for key in ("indices", "true_labels", "oracle_labels", "annotators")]
        for e in read_events(directory)
        if e["event"] == EventName.QUERY
    }
    cycles = read_summary(directory)["cycles"]
    return {
        "queries": queries,
        "cycles": [[c["labeled"], c["test_accuracy"], c["noisy_labels"]] for c in cycles],
        "annotations": (directory / "annotations.csv").read_text(),
    }


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Any:
    """The reference run, started at once so that it runs alongside the first test."""
    out = tmp_path_factory.mktemp("reference")
    process = start_run(out, "reference")

    def wait() -> dict[str, Any]:
        assert process.wait(timeout=300) == 0, process.communicate()[1]
        return result_of(out / "reference")

    return wait


@requires_fashion_mnist
def test_kill_9_mid_cycle_then_resume_replays_exactly(tmp_path, uninterrupted) -> None:
    directory, process = stop_at_cycle_1(tmp_path, "killed", signal.SIGKILL)
    process.wait()
    # Killed inside cycle 1: cycle 0 is saved, cycle 1 is not.
    assert read_summary(directory)["status"] == "running"
    assert len(read_summary(directory)["cycles"]) == 1

    summary = resume(directory)
    assert summary["status"] == "finished"
    events = read_events(directory)
    starts = [e["resumed_from"] for e in events if e["event"] == EventName.RUN_STARTED]
    assert starts == [None, 1]
    expected = uninterrupted()
    assert sorted(expected["queries"]) == [0, 1]
    assert result_of(directory) == expected


@requires_fashion_mnist
def test_ctrl_c_stops_with_130_and_an_interrupted_summary(tmp_path, uninterrupted) -> None:
    directory, process = stop_at_cycle_1(tmp_path, "stopped", signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert f"interrupted; results so far are in {directory}" in stderr
    summary = read_summary(directory)
    assert summary["status"] == "interrupted"
    assert summary["error"] == "stopped by the user (Ctrl-C)"
    assert len(summary["cycles"]) == 1

    assert resume(directory)["status"] == "finished"
    assert result_of(directory) == uninterrupted()


@requires_fashion_mnist
def test_resume_without_a_checkpoint_starts_over(tmp_path) -> None:
    """Killed before the initial set was labeled: only config.json and summary.json exist."""
    from palsim.config import build_config, resolve_preset

    config = build_config(
        {},
        {
            **STUDY,
            "device": "cpu",
            "out": str(tmp_path),
            "name": "early",
            "initial": "40",
            "budget": "40",
        },
    )
    config = resolve_preset(config, cuda_available=False)
    store = RunStore.create(tmp_path / "early", config.to_dict())
    store._events.close()
    store._annotations.close()
    result = CliRunner().invoke(app, ["run", "--resume", str(tmp_path / "early"), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = read_summary(tmp_path / "early")
    assert summary["status"] == "finished" and len(summary["cycles"]) == 3
    rows = (tmp_path / "early" / "annotations.csv").read_text().splitlines()
    assert rows[0] == "task,worker,label,true_label,cycle" and len(rows) == 1 + 40 + 2 * 40


def test_reopen_drops_the_answers_of_cycles_it_will_replay(tmp_path) -> None:
    path = tmp_path / "run" / "annotations.csv"
    RunStore.create(tmp_path / "run", {}).finish("interrupted")
    # The last row was cut short by a kill; read in the old layout it would be a cycle-0 answer.
    path.write_text(
        "task,worker,label,true_label,cycle\n1,a1,3,3,-1\n2,a2,4,0,0\n3,a3,5,5,1\n4,a1,3,0"
    )
    RunStore.reopen(tmp_path / "run", cycles=[{"cycle": 0}], replay_from=1).finish("finished")
    assert path.read_text().splitlines() == [
        "task,worker,label,true_label,cycle",
        "1,a1,3,3,-1",
        "2,a2,4,0,0",
    ]


def test_reopen_keeps_a_log_in_the_older_four_column_layout(tmp_path) -> None:
    path = tmp_path / "run" / "annotations.csv"
    RunStore.create(tmp_path / "run", {}).finish("interrupted")
    path.write_text("item,annotator,label,cycle\n1,a1,3,-1\n2,a2,4,0\n3,a3,5,1\n")
    RunStore.reopen(tmp_path / "run", cycles=[{"cycle": 0}], replay_from=1).finish("finished")
    assert path.read_text().splitlines() == [
        "task,worker,label,true_label,cycle",
        "1,a1,3,,-1",
        "2,a2,4,,0",
    ]

"""kill -9 at several points of a run, then resume: the result is the uninterrupted run's.

Slow (each case starts real processes): run with ``python -m pytest -m slow tests/reliability``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palsim.events import Event, read_events
from tests.conftest import requires_fashion_mnist
from tests.palsim.test_resume import result_of, resume, start_run

pytestmark = [pytest.mark.slow, requires_fashion_mnist]

Moment = Callable[[list[Event]], bool]


def logged(name: str, cycle: int | None = None) -> Moment:
    """The moment an event of this name (and cycle) is in the log."""

    def number(event: Event) -> Any:  # cycle_finished keeps its cycle in its record
        return event.get("cycle", event.get("record", {}).get("cycle"))

    return lambda events: any(
        e["event"] == name and (cycle is None or number(e) == cycle) for e in events
    )


def kill_when(directory: Path, moment: Moment, process: subprocess.Popen[str]) -> None:
    """SIGKILL ``process`` as soon as ``moment`` holds for the folder's events."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if directory.exists() and moment(read_events(directory)):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.002)
    raise AssertionError(f"{directory} never reached the moment to kill it")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("reference")
    process = start_run(out, "reference")
    assert process.wait(timeout=600) == 0, process.communicate()[1]
    return result_of(out / "reference")


MOMENTS = {
    "initial set labeled": logged("run_started"),
    "cycle 0 training": logged("epoch", 0),
    "cycle 0 queried": logged("query", 0),
    "cycle 0 finished": logged("cycle_finished", 0),
    "last cycle training": logged("cycle_started", 2),
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_kill_9_then_resume_is_exact(
    tmp_path: Path, reference: dict[str, Any], moment: str
) -> None:
    process = start_run(tmp_path, "killed")
    kill_when(tmp_path / "killed", MOMENTS[moment], process)
    assert resume(tmp_path / "killed")["status"] == "finished"
    assert result_of(tmp_path / "killed") == reference


def test_a_killed_resume_resumes_again_exactly(tmp_path: Path, reference: dict[str, Any]) -> None:
    directory = tmp_path / "twice"
    kill_when(directory, logged("cycle_started", 1), start_run(tmp_path, "twice"))
    command = [sys.executable, "-m", "palsim", "run", "--resume", str(directory), "--quiet"]
    again = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kill_when(directory, logged("cycle_started", 2), again)
    assert resume(directory)["status"] == "finished"
    assert result_of(directory) == reference


def test_a_second_resume_of_a_running_folder_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "busy"
    kill_when(directory, logged("cycle_started", 1), start_run(tmp_path, "busy"))
    command = [sys.executable, "-m", "palsim", "run", "--resume", str(directory), "--quiet"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while sum(e["event"] == "run_started" for e in read_events(directory)) < 2:
        assert first.poll() is None, first.communicate()[1]
        time.sleep(0.01)
    first.send_signal(signal.SIGSTOP)  # paused, not dead: it still holds the lock
    try:
        second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        first.send_signal(signal.SIGCONT)
    assert second.returncode == 2
    assert f"run folder {directory} is being written by pid {first.pid} on " in second.stderr
    assert first.wait(timeout=600) == 0

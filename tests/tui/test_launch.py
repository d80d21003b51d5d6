"""watch() validation and run_with_tui(): child process, log file, SIGINT on quit."""

from __future__ import annotations

import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_run import write_run

from tui import launch


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "missing", "no such folder"),
        (lambda root: _touch(root / "file.txt"), "not a folder"),
        (lambda root: root, "no run here"),
    ],
)
def test_watch_rejects_what_is_not_a_run(
    runs_root: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(runs_root)
    with pytest.raises(ValueError, match=message) as error:
        launch.watch(path)
    assert "\n" not in str(error.value)


def _touch(path: Path) -> Path:
    path.write_text("x")
    return path


def test_watch_accepts_run_and_runs_folders(runs_root: Path) -> None:
    run_dir = write_run(runs_root, "one", cycles=1)
    launch.check_watch_path(run_dir)
    launch.check_watch_path(runs_root)


class QuitWhenRunning:
    """A dashboard stand-in: 'quits' once the study has written its first events."""

    def __init__(self, run_dir: Path) -> None:
        self.events = run_dir / "events.jsonl"

    def run(self) -> None:
        deadline = time.monotonic() + 10
        while not self.events.exists() and time.monotonic() < deadline:
            time.sleep(0.02)


def test_run_with_tui_interrupts_the_study_on_quit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = Path(__file__).parent
    # `python -m palsim ...` runs the fake study instead of the engine.
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} {here / "fake_study.py"} "$@"\n')
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setattr(launch, "make_app", lambda path, **_: QuitWhenRunning(path))
    run_dir = tmp_path / "runs" / "study"

    code = launch.run_with_tui(["run", "--out", str(tmp_path / "runs"), "--name", "study"], run_dir)

    assert code == 130
    log = (run_dir / launch.CHILD_LOG).read_text()
    assert "study started" in log and "interrupted at a safe point" in log
    assert '"status": "interrupted"' in (run_dir / "events.jsonl").read_text().splitlines()[-1]


def test_exit_code_of_a_signalled_child() -> None:
    assert launch.exit_code(-2) == 130
    assert launch.exit_code(0) == 0
    assert launch.exit_code(3) == 3

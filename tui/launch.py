"""What the CLI calls: ``palsim watch PATH`` and ``palsim run --tui``."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tui.app import make_app
from tui.runs_scanner import find_run_dirs, is_run_dir

CHILD_LOG = "console.log"  # the study's stdout and stderr while the dashboard owns the terminal


def check_watch_path(path: Path) -> None:
    """Raise ValueError (one line) unless path is a run folder or a folder of runs."""
    if not path.exists():
        raise ValueError(f"{path}: no such folder; give a run folder or a folder of runs")
    if not path.is_dir():
        raise ValueError(f"{path}: not a folder; give a run folder or a folder of runs")
    if not is_run_dir(path) and not find_run_dirs(path):
        raise ValueError(
            f"{path}: no run here (a run folder has config.json or events.jsonl, "
            "a runs folder has run folders)"
        )


def watch(path: Path) -> int:
    """Open the dashboard on a run folder or a folder of runs; returns the exit code (0)."""
    path = Path(path)
    check_watch_path(path)
    make_app(path).run()
    return 0


def run_with_tui(child_argv: list[str], run_dir: Path) -> int:
    """Run ``python -m palsim *child_argv`` while the dashboard shows ``run_dir``.

    The study writes its output to ``run_dir/console.log``. Quitting the dashboard while
    the study still runs sends it SIGINT (it stops at a safe point and saves everything)
    and waits for it. Returns the study's exit code (128 + N when killed by signal N).
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = run_dir / CHILD_LOG
    with log_path.open("ab") as log:
        # A session of its own: a Ctrl+C typed before the dashboard takes the terminal
        # reaches only this process, which then stops the study in the one safe way.
        child = subprocess.Popen(
            [sys.executable, "-m", "palsim", *child_argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        make_app(run_dir, single_run=True, child=child, child_log=log_path).run()
    finally:
        stop_child(child)
    return exit_code(child.returncode)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Ask a still-running study to stop at a safe point, then wait for it."""
    if child.poll() is not None:
        return
    print("stopping the study at the next safe point…", file=sys.stderr)
    child.send_signal(signal.SIGINT)
    try:
        child.wait()
    except KeyboardInterrupt:
        # A second Ctrl+C: the user will not wait for the safe point.
        child.terminate()
        child.wait()


def exit_code(returncode: int | None) -> int:
    if returncode is None:
        return 1
    return 128 - returncode if returncode < 0 else returncode

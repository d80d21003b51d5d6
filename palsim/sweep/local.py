"""The local sweep backend: N worker processes, each with its share of the cores.

Each job slot keeps one child process (``python -m palsim.sweep.worker THREADS``) in its own
session and hands it grid points one at a time, so torch's import (about a second, far more
on a loaded machine) is paid once per slot, not once per run. A crash or an out-of-memory
kill fails the run in hand only: the slot starts a fresh worker for its next point. Ctrl-C
reaches the children exactly once, from here: they end their runs as "interrupted" and the
sweep stops.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO

from palsim.events import RunStatus
from palsim.sweep.grid import GridPoint, Outcome, Report


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def threads_per_worker(jobs: int, cores: int | None = None) -> int:
    """torch threads per worker, so that ``jobs`` workers do not oversubscribe the cores."""
    return max(1, (cores or available_cores()) // jobs)


def outcome_of(point: GridPoint, code: int, stdout: str, stderr: str, seconds: float) -> Outcome:
    """The worker's JSON line, or a failed/interrupted outcome when it died without one."""
    lines = stdout.strip().splitlines()
    if lines:
        try:
            return Outcome(**json.loads(lines[-1]))
        except (json.JSONDecodeError, TypeError):
            pass
    directory = str(point.directory)
    if code in (130, -signal.SIGINT):
        return Outcome(point.name, RunStatus.INTERRUPTED, directory, None, seconds, "stopped")
    last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
    error = f"worker exited with code {code}" + (f": {last.strip()}" if last else "")
    return Outcome(point.name, RunStatus.FAILED, directory, None, seconds, error)


class LocalBackend:
    """Runs grid points in ``jobs`` long-lived child processes."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"--jobs {jobs}: need at least 1 worker")
        self.jobs = jobs
        self.threads = threads_per_worker(jobs)
        self._children: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def _start(self, stderr: IO[str]) -> subprocess.Popen[str] | None:
        command = [sys.executable, "-m", "palsim.sweep.worker", str(self.threads)]
        with self._lock:
            if self._stopping:
                return None
            child = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                start_new_session=True,
            )
            self._children.add(child)
        return child

    def _finish(self, child: subprocess.Popen[str]) -> int:
        assert child.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the worker is gone already
            child.stdin.close()
        code = child.wait()
        with self._lock:
            self._children.discard(child)
        return code

    @staticmethod
    def _ask(child: subprocess.Popen[str], point: GridPoint) -> str:
        """Send a point to the worker; its outcome line, or "" when the worker is gone."""
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(json.dumps(point.to_dict()) + "\n")
            child.stdin.flush()
        except BrokenPipeError:
            return ""
        return child.stdout.readline()

    def _slot(self, points: queue.SimpleQueue[GridPoint], report: Report) -> None:
        """One job slot: feed points to a worker, one at a time; replace it when it dies."""
        # stderr to a file, not a pipe: a chatty run can never block on a full pipe.
        with tempfile.TemporaryFile("w+") as stderr:
            child: subprocess.Popen[str] | None = None
            while not self._stopping:
                try:
                    point = points.get_nowait()
                except queue.Empty:
                    break
                child = child or self._start(stderr)
                if child is None:  # Ctrl-C came in between: the point stays unstarted
                    break
                started = time.perf_counter()
                line = self._ask(child, point)
                if line:
                    report(outcome_of(point, 0, line, "", time.perf_counter() - started))
                    continue
                # The worker died (a crash, a kill, Ctrl-C): this point only.
                code = self._finish(child)
                child = None
                stderr.seek(0)
                text = stderr.read()
                stderr.seek(0)
                stderr.truncate()
                report(outcome_of(point, code, "", text, time.perf_counter() - started))
            if child is not None:
                self._finish(child)

    def interrupt(self) -> None:
        """Ctrl-C: start no more runs, and ask the running ones to stop (once each)."""
        with self._lock:
            self._stopping = True
            for child in self._children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)

    def __call__(self, points: list[GridPoint], report: Report) -> None:
        waiting: queue.SimpleQueue[GridPoint] = queue.SimpleQueue()
        for point in points:
            waiting.put(point)
        lock = threading.Lock()

        def report_one(outcome: Outcome) -> None:
            with lock:
                report(outcome)

        slots = min(self.jobs, len(points))
        with ThreadPoolExecutor(max(1, slots), thread_name_prefix="sweep") as pool:
            futures = [pool.submit(self._slot, waiting, report_one) for _ in range(slots)]
            try:
                for future in futures:
                    future.result()
            except KeyboardInterrupt:
                # 1. Stop starting runs; 2. let the running ones save their state and report.
                self.interrupt()
                for future in futures:
                    future.result()
                raise

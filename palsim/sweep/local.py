"""The local sweep backend: N worker processes at a time, each with its share of the cores.

Each run is a child process (``python -m palsim.sweep.worker``) in its own session, so a
crash or an out-of-memory kill fails that run only, and Ctrl-C reaches the children exactly
once, from here: they end their runs as "interrupted" and the sweep stops.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

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
        return Outcome(point.name, "interrupted", directory, None, seconds, "stopped")
    last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
    error = f"worker exited with code {code}" + (f": {last.strip()}" if last else "")
    return Outcome(point.name, "failed", directory, None, seconds, error)


class LocalBackend:
    """Runs grid points in ``jobs`` child processes at a time."""

    def __init__(self, jobs: int) -> None:
        if jobs < 1:
            raise ValueError(f"--jobs {jobs}: need at least 1 worker")
        self.jobs = jobs
        self.threads = threads_per_worker(jobs)
        self._children: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def run_one(self, point: GridPoint) -> Outcome:
        command = [sys.executable, "-m", "palsim.sweep.worker", str(self.threads),
                   json.dumps(point.to_dict())]
        started = time.perf_counter()
        with self._lock:
            if self._stopping:
                return Outcome(point.name, "interrupted", str(point.directory), error="not started")
            child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
            self._children.add(child)
        stdout, stderr = child.communicate()
        with self._lock:
            self._children.discard(child)
        return outcome_of(point, child.returncode, stdout, stderr, time.perf_counter() - started)

    def interrupt(self) -> None:
        """Ctrl-C: start no more runs, and ask the running ones to stop (once each)."""
        with self._lock:
            self._stopping = True
            for child in self._children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)

    def __call__(self, points: list[GridPoint], report: Report) -> None:
        with ThreadPoolExecutor(self.jobs, thread_name_prefix="sweep") as pool:
            futures = [pool.submit(self.run_one, point) for point in points]
            reported = set()
            try:
                for future in as_completed(futures):
                    reported.add(future)
                    report(future.result())
            except KeyboardInterrupt:
                # 1. Stop starting runs; 2. let the running ones save their state and report.
                self.interrupt()
                for future in futures:
                    future.cancel()
                for future in futures:
                    if future not in reported and not future.cancelled():
                        report(future.result())
                raise

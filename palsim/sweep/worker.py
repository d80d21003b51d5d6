"""Run grid points of a sweep in this process: each a new run, or the resume of an unfinished one.

Both backends use it: the local backend starts ``python -m palsim.sweep.worker THREADS`` once
per job slot and writes grid points to its stdin, one JSON line each; the worker answers each
with one outcome line on stdout. One process runs many points, so torch is imported once
per worker, not once per run; the results do not change, because every
random stream is derived from the run's own seeds. A Ray task calls :func:`run_point` directly.
A failed run becomes an :class:`Outcome`, never an exception.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TextIO

from palsim.events import CONFIG_FILE, RunStatus, is_finished
from palsim.store import read_summary
from palsim.sweep.grid import SKIPPED, GridPoint, Outcome, finals


def run_point(point: GridPoint, threads: int) -> Outcome:
    """Run (or resume, or skip when finished) one grid point with ``threads`` CPU threads."""
    import torch

    from palsim.runner import AlreadyFinished, UsageError, execute, prepare, prepare_resume

    torch.set_num_threads(threads)
    directory = point.directory
    summary = read_summary(directory)
    if is_finished(summary):
        return Outcome(point.name, SKIPPED, str(directory), **finals(summary))
    started = time.perf_counter()
    try:
        resume = (directory / CONFIG_FILE).exists()
        prepared = prepare_resume(directory) if resume else prepare(point.config)
        summary = execute(prepared)
    except KeyboardInterrupt:
        seconds = time.perf_counter() - started
        return Outcome(point.name, RunStatus.INTERRUPTED, str(directory), None, seconds, "stopped")
    except AlreadyFinished as finished:
        return Outcome(point.name, SKIPPED, str(directory), **finals(finished.summary))
    except UsageError as error:
        return Outcome(point.name, RunStatus.FAILED, str(directory), error=str(error))
    except Exception as error:  # a failed run is reported; the sweep goes on
        seconds = time.perf_counter() - started
        message = f"{type(error).__name__}: {error}"
        return Outcome(point.name, RunStatus.FAILED, str(directory), None, seconds, message)
    seconds = time.perf_counter() - started
    status = RunStatus.FINISHED
    return Outcome(point.name, status, str(directory), seconds=seconds, **finals(summary))


def serve(threads: int, points: TextIO, outcomes: TextIO) -> int:
    """Run each point read from ``points`` (one JSON line each) until end of input; exit code.

    130 after an interrupted run (Ctrl-C): the backend starts no more points.
    """
    for line in points:
        if not line.strip():
            continue
        outcome = run_point(GridPoint.from_dict(json.loads(line)), threads)
        outcomes.write(json.dumps(outcome.to_dict()) + "\n")
        outcomes.flush()
        if outcome.status == "interrupted":
            return 130
    return 0


def main(argv: list[str]) -> int:
    """``THREADS``: serve grid points from stdin, outcomes as JSON lines on stdout."""
    try:
        return serve(int(argv[0]), sys.stdin, sys.stdout)
    except KeyboardInterrupt:  # Ctrl-C between two runs: nothing left open
        return 130


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Every run store is closed and stdout flushed: skip the interpreter's slow teardown.
    sys.stderr.flush()
    os._exit(code)

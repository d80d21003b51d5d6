"""Run one grid point of a sweep in this process: a new run, or the resume of an unfinished one.

Both backends use it: the local backend starts ``python -m palsim.sweep.worker THREADS POINT``
for each run, so that a crash stays inside its own process; a Ray task calls
:func:`run_point` directly. A failed run becomes an :class:`Outcome`, never an exception.
"""

from __future__ import annotations

import json
import sys
import time

from palsim.events import CONFIG_FILE
from palsim.store import read_summary
from palsim.sweep.grid import GridPoint, Outcome, final_accuracy


def run_point(point: GridPoint, threads: int) -> Outcome:
    """Run (or resume, or skip when finished) one grid point with ``threads`` CPU threads."""
    import torch

    from palsim.runner import UsageError, execute, prepare, prepare_resume

    torch.set_num_threads(threads)
    directory = point.directory
    summary = read_summary(directory)
    if summary is not None and summary.get("status") == "finished":
        return Outcome(point.name, "skipped", str(directory), final_accuracy(summary))
    started = time.perf_counter()
    try:
        resume = (directory / CONFIG_FILE).exists()
        prepared = prepare_resume(directory) if resume else prepare(point.config)
        summary = execute(prepared)
    except KeyboardInterrupt:
        seconds = time.perf_counter() - started
        return Outcome(point.name, "interrupted", str(directory), None, seconds, "stopped")
    except UsageError as error:
        return Outcome(point.name, "failed", str(directory), error=str(error))
    except Exception as error:  # a failed run is reported; the sweep goes on
        seconds = time.perf_counter() - started
        message = f"{type(error).__name__}: {error}"
        return Outcome(point.name, "failed", str(directory), None, seconds, message)
    seconds = time.perf_counter() - started
    return Outcome(point.name, "finished", str(directory), final_accuracy(summary), seconds)


def main(argv: list[str]) -> int:
    """``THREADS POINT_JSON``: run the point, print its outcome as one JSON line on stdout."""
    threads, point = int(argv[0]), GridPoint.from_dict(json.loads(argv[1]))
    outcome = run_point(point, threads)
    print(json.dumps(outcome.to_dict()), flush=True)
    return 130 if outcome.status == "interrupted" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

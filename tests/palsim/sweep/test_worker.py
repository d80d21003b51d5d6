"""Sweep workers: several grid points in one process give the runs that separate processes give."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from pathlib import Path

import torch

from palsim.config import RunConfig
from palsim.events import read_events
from palsim.store import read_summary
from palsim.sweep.grid import GridPoint, expand_grid
from palsim.sweep.local import LocalBackend, threads_per_worker
from palsim.sweep.worker import serve
from tests.conftest import requires_fashion_mnist

ROOT = Path(__file__).resolve().parents[3]


def tiny_points(out: Path) -> list[GridPoint]:
    base = RunConfig(
        strategy="entropy",
        oracle="noisy:0.2",
        device="cpu",
        pool_size=300,
        initial="40",
        budget="40",
        cycles=2,
        epochs=1,
        min_steps=0,  # epochs only: the comparison needs runs, not trained models
        test_size=300,
        out=str(out),
    )
    return expand_grid(base, None, ["entropy", "random"], None, [0, 1])


def fingerprint(directory: Path) -> tuple[list[float], list[list[int]]]:
    """Test accuracy per cycle and every queried index list: what a run decided."""
    summary = read_summary(directory)
    assert summary is not None and summary["status"] == "finished"
    queries = [e["indices"] for e in read_events(directory) if e["event"] == "query"]
    return [c["test_accuracy"] for c in summary["cycles"]], queries


@requires_fashion_mnist
def test_points_run_in_one_process_equal_each_run_in_its_own(tmp_path: Path) -> None:
    together = tiny_points(tmp_path / "together")
    lines = "".join(json.dumps(point.to_dict()) + "\n" for point in together)
    answers = io.StringIO()
    threads = torch.get_num_threads()
    try:
        assert serve(1, io.StringIO(lines), answers) == 0
    finally:  # a worker sets its thread count for good; later tests in this process must not see it
        torch.set_num_threads(threads)
    outcomes = [json.loads(line) for line in answers.getvalue().splitlines()]
    assert [o["status"] for o in outcomes] == ["finished"] * 4

    # The last point again, alone in a fresh process.
    alone = dataclasses.replace(
        together[-1],
        config=dataclasses.replace(together[-1].config, out=str(tmp_path / "alone")),
    )
    done = subprocess.run(
        [sys.executable, "-m", "palsim.sweep.worker", "1"],
        input=json.dumps(alone.to_dict()) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(done.stdout)["status"] == "finished"
    assert fingerprint(alone.directory) == fingerprint(together[-1].directory)
    # And the runs did differ from each other (the comparison above is not vacuous).
    assert fingerprint(together[0].directory) != fingerprint(together[-1].directory)


class UnreadablePoint(GridPoint):
    """A point the worker cannot parse: it dies with a traceback, as on a crash."""

    def to_dict(self) -> dict:  # type: ignore[type-arg]
        return {"name": self.name, "config": {"no_such_key": 1}}


@requires_fashion_mnist
def test_a_worker_that_dies_fails_its_point_only_and_the_slot_goes_on(tmp_path: Path) -> None:
    point = tiny_points(tmp_path)[0]
    unreadable = UnreadablePoint("unreadable", point.config)
    reported = []
    LocalBackend(1)([unreadable, point], reported.append)
    assert [(o.name, o.status) for o in reported] == [
        ("unreadable", "failed"),
        (point.name, "finished"),
    ]
    assert reported[0].error.startswith("worker exited with code 1: ValueError: unknown")


def test_each_worker_gets_a_fair_share_of_the_cores() -> None:
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(3, cores=8) == 2
    assert threads_per_worker(4, cores=2) == 1

"""Grid parsing, expansion, run names, planning and the local backend's pieces."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from palsim.cli.sweep_progress import SweepProgress, format_outcome
from palsim.config import RunConfig
from palsim.store import RunStore
from palsim.sweep.backends import make_backend
from palsim.sweep.grid import (
    CONFLICT,
    DONE,
    NEW,
    NO_FINALS,
    RESUME,
    GridPoint,
    Outcome,
    expand_grid,
    finals,
    parse_list,
    parse_oracles,
    parse_seeds,
    plan,
    run_name,
    run_sweep,
)
from palsim.sweep.local import outcome_of, threads_per_worker


@pytest.mark.parametrize(
    ("text", "seeds"),
    [("0-4", [0, 1, 2, 3, 4]), ("3", [3]), ("0,3,7", [0, 3, 7]), ("0-2, 10", [0, 1, 2, 10])],
)
def test_parse_seeds(text, seeds) -> None:
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4-0", "--seeds '4-0': range '4-0' runs backwards; write 0-4"),
        ("a", "--seeds 'a': 'a' is not a seed; expected numbers and ranges like 0-4 or 0,3,7"),
        ("0-2,1", "--seeds '0-2,1': a seed is listed twice"),
        ("0,,1", "--seeds '0,,1': empty item; expected a comma list like a,b,c"),
        ("-1", "--seeds '-1': '-1' is not a seed; expected numbers and ranges like 0-4 or 0,3,7"),
    ],
)
def test_parse_seeds_errors(text, message) -> None:
    with pytest.raises(ValueError) as error:
        parse_seeds(text)
    assert str(error.value) == message


def test_parse_oracles_repeats_the_model_for_bare_numbers() -> None:
    assert parse_oracles("noisy:0,0.1,0.2,0.3") == [
        "noisy:0",
        "noisy:0.1",
        "noisy:0.2",
        "noisy:0.3",
    ]
    assert parse_oracles("perfect,pair:0.2,0.4,annotators:5:0.1-0.4:vote=3") == [
        "perfect",
        "pair:0.2",
        "pair:0.4",
        "annotators:5:0.1-0.4:vote=3",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "0.1,noisy:0.2",
            "--oracle '0.1,noisy:0.2': '0.1' has no noise model before it; write e.g. noisy:0.1",
        ),
        (
            "perfect,0.2",
            "--oracle 'perfect,0.2': '0.2' has no noise model before it; write e.g. noisy:0.2",
        ),
        ("noisy:0.1,0.1", "--oracle 'noisy:0.1,0.1': an oracle spec is listed twice"),
    ],
)
def test_parse_oracles_errors(text, message) -> None:
    with pytest.raises(ValueError) as error:
        parse_oracles(text)
    assert str(error.value) == message


def test_parse_list_refuses_repeats() -> None:
    with pytest.raises(ValueError, match="'pal' is listed twice"):
        parse_list("pal,entropy,pal", "--strategy")


def test_expand_grid_names_every_point_deterministically(tmp_path) -> None:
    base = RunConfig(epochs=1, out=str(tmp_path / "runs"))
    points = expand_grid(base, None, ["pal", "random"], ["noisy:0", "noisy:0.2"], [0, 1])
    assert len(points) == 8
    assert points[0].name == "fashion-mnist-pal-noisy_0-s0"
    assert points[-1].name == "fashion-mnist-random-noisy_0.2-s1"
    assert {point.config.epochs for point in points} == {1}
    assert all(point.config.name == point.name for point in points)
    assert points[3].directory == tmp_path / "runs" / "fashion-mnist-pal-noisy_0.2-s1"
    again = expand_grid(base, None, ["pal", "random"], ["noisy:0", "noisy:0.2"], [0, 1])
    assert [p.name for p in again] == [p.name for p in points]
    assert run_name(RunConfig(dataset="imagefolder:/data/x y", oracle="matrix:a.csv")) == (
        "imagefolder_data_x_y-entropy-matrix_a.csv-s0"
    )


def test_expand_grid_refuses_name_clashes(tmp_path) -> None:
    with pytest.raises(ValueError, match="two grid points share the run name"):
        expand_grid(RunConfig(out=str(tmp_path)), None, None, ["matrix:a b", "matrix:a_b"], [0])


def make_run(point: GridPoint, status: str, **config_changes: object) -> None:
    """A run directory in the given state, written by the real run store."""
    config = {**point.config.to_dict(), **config_changes}
    store = RunStore.create(point.directory, config)
    if status != "running":
        store.finish(status)
    else:
        store._events.close()
        store._annotations.close()


def test_plan_skips_finished_resumes_unfinished_and_flags_conflicts(tmp_path) -> None:
    points = expand_grid(RunConfig(epochs=1, out=str(tmp_path)), None, None, None, [0, 1, 2, 3])
    make_run(points[1], "finished")
    make_run(points[2], "interrupted")
    make_run(points[3], "finished", epochs=5)
    states = [(state, detail) for _, state, detail in plan(points)]
    assert [state for state, _ in states] == [NEW, DONE, RESUME, CONFLICT]
    assert states[3][1] == (
        f"{points[3].directory} holds a run with epochs 5, not 1; use another --out"
    )


def test_run_sweep_reports_skips_and_hands_the_rest_to_the_backend(tmp_path) -> None:
    points = expand_grid(RunConfig(out=str(tmp_path)), None, None, None, [0, 1])
    make_run(points[0], "finished")
    handed: list[str] = []
    seen: list[Outcome] = []

    def backend(todo, report) -> None:
        handed.extend(point.name for point in todo)
        for point in todo:
            report(Outcome(point.name, "finished", str(point.directory), 0.5, 1.0))

    starts: list[tuple[int, int]] = []
    outcomes = run_sweep(points, backend, lambda *args: starts.append(args), seen.append)
    assert handed == [points[1].name]
    assert starts == [(2, 1)]
    assert [o.status for o in outcomes] == ["skipped", "finished"] and seen == outcomes


def test_threads_per_worker_shares_the_cores() -> None:
    assert threads_per_worker(1, cores=8) == 8
    assert threads_per_worker(3, cores=8) == 2
    assert threads_per_worker(4, cores=2) == 1


def test_worker_outcome_from_output_and_from_deaths(tmp_path) -> None:
    point = expand_grid(RunConfig(out=str(tmp_path)))[0]
    line = json.dumps(Outcome(point.name, "finished", "d", 0.75, 3.0).to_dict())
    assert outcome_of(point, 0, f"noise\n{line}\n", "", 3.5).final_accuracy == 0.75
    killed = outcome_of(point, -signal.SIGKILL, "", "loading\nMemoryError: boom\n", 2.0)
    assert (killed.status, killed.error) == (
        "failed",
        "worker exited with code -9: MemoryError: boom",
    )
    assert outcome_of(point, 130, "", "", 1.0).status == "interrupted"


def test_make_backend_refuses_unknown_names_and_bad_jobs() -> None:
    with pytest.raises(ValueError, match="unknown backend 'slurm'; choose one of: local, ray"):
        make_backend("slurm")
    with pytest.raises(ValueError, match="--jobs 0: need at least 1 worker"):
        make_backend("local", jobs=0)


def test_progress_prints_plain_lines_and_counts(tmp_path) -> None:
    stream = (tmp_path / "log").open("w+")
    now = [0.0]  # a fake clock: seconds since the sweep started
    progress = SweepProgress(stream=stream, live=False, clock=lambda: now[0])
    progress.start(3, 1)
    progress.outcome(Outcome("a", "skipped", "d", 0.8))
    now[0] = 40.0  # one run took 40 s, one is left
    progress.outcome(Outcome("b", "finished", "d", 0.81234, 12.34))
    progress.outcome(Outcome("c", "failed", "d", error="ValueError: bad"))
    closing = progress.close("runs")
    stream.seek(0)
    assert stream.read().splitlines() == [
        "[1/3] skipped a: already finished, final accuracy 0.8000",
        "[2/3] finished b: final accuracy 0.8123 (12.3 s); about 40 s left",
        "[3/3] failed c: ValueError: bad",
        closing,
    ]
    assert (
        closing
        == "sweep: 3 runs: 1 finished, 1 skipped, 1 failed, 0 interrupted; run directories in runs"
    )
    assert format_outcome(Outcome("d", "interrupted", "d", None, 2.0), 1, 1) == (
        "[1/1] interrupted d: stopped after 2.0 s; run the sweep again to resume"
    )
    segmentation = Outcome("e", "finished", "d", None, 3.0, final_miou=0.41237)
    assert format_outcome(segmentation, 2, 2) == "[2/2] finished e: final mIoU 0.4124 (3.0 s)"
    assert format_outcome(Outcome("f", "finished", "d", None, 1.0), 1, 1) == (
        "[1/1] finished f: no finished cycle (1.0 s)"
    )


def test_finals_read_the_last_cycle_of_either_task() -> None:
    assert finals({"cycles": [{"test_accuracy": 0.5}, {"test_accuracy": 0.7}]}) == {
        "final_accuracy": 0.7,
        "final_miou": None,
    }
    assert finals({"cycles": [{"test_miou": 0.4, "test_pixel_accuracy": 0.9}]}) == {
        "final_accuracy": None,
        "final_miou": 0.4,
    }
    assert finals({"cycles": ["junk"]}) == finals(None) == NO_FINALS


def test_grid_point_round_trips_through_json(tmp_path) -> None:
    point = expand_grid(RunConfig(out=str(tmp_path), strategy_options={"k": "1"}))[0]
    assert GridPoint.from_dict(json.loads(json.dumps(point.to_dict()))) == point
    assert Path(point.config.out).is_absolute()

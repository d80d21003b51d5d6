"""`palsim sweep` end to end: real tiny runs in worker processes, skipping, resuming, failing."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.config import RunConfig
from palsim.events import EventName, read_events
from palsim.store import read_summary
from palsim.sweep.grid import expand_grid
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()

TINY = tiny_study_args(
    None, pool_size=300, initial=40, budget=40, cycles=3, epochs=1, strategy=None
)  # the test split last: one test raises it


def interrupt_at_cycle_1(config: RunConfig) -> None:
    """Run a study in this process and stop it with Ctrl-C as cycle 1 starts."""
    from palsim.runner import execute, prepare

    def on_event(event: dict) -> None:
        if event["event"] == EventName.CYCLE_STARTED and event["cycle"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute(prepare(config), on_event)


@requires_fashion_mnist
def test_sweep_runs_the_grid_then_skips_it(tmp_path) -> None:
    grid = ["--strategy", "random", "--oracle", "noisy:0.2", "--seeds", "0-1"]
    args = ["sweep", *grid, *TINY, "--out", str(tmp_path), "--jobs", "2"]
    # One grid point was interrupted earlier: the sweep must resume it, not start over.
    base = RunConfig(
        strategy="random",
        oracle="noisy:0.2",
        device="cpu",
        pool_size=300,
        initial="40",
        budget="40",
        cycles=3,
        epochs=1,
        min_steps=0,
        test_size=500,
        out=str(tmp_path),
    )
    first, second = expand_grid(base, None, None, None, [0, 1])
    interrupt_at_cycle_1(first.config)
    assert read_summary(first.directory)["status"] == "interrupted"

    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    outcomes = json.loads(result.stdout)
    assert [(o["name"], o["status"]) for o in sorted(outcomes, key=lambda o: o["name"])] == [
        (first.name, "finished"),
        (second.name, "finished"),
    ]
    for point in (first, second):
        summary = read_summary(point.directory)
        assert summary["status"] == "finished"
        assert [cycle["labeled"] for cycle in summary["cycles"]] == [40, 80, 120]
    events = read_events(first.directory)
    starts = [e["resumed_from"] for e in events if e["event"] == EventName.RUN_STARTED]
    assert starts == [None, 1]
    assert "sweep: 2 runs: 2 finished, 0 skipped, 0 failed, 0 interrupted" in result.stderr

    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert "sweep: 2 runs: 0 finished, 2 skipped, 0 failed, 0 interrupted" in again.stderr
    assert f"[1/2] skipped {first.name}: already finished, final accuracy" in again.stderr


@requires_fashion_mnist
def test_a_failed_run_is_reported_and_the_sweep_exits_1(tmp_path) -> None:
    args = [
        "sweep",
        "--strategy",
        "random",
        "--oracle",
        "matrix:/no/such/matrix.csv",
        *TINY,
        "--out",
        str(tmp_path),
        "--jobs",
        "2",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "[1/1] failed fashion-mnist-random-matrix_no_such_matrix.csv-s0: " in result.stderr
    assert "no/such/matrix.csv" in result.stderr
    assert "sweep: 1 runs: 0 finished, 0 skipped, 1 failed, 0 interrupted" in result.stderr


def test_dry_run_lists_the_plan(tmp_path) -> None:
    result = runner.invoke(
        app,
        [
            "sweep",
            "--strategy",
            "random,entropy",
            "--seeds",
            "0-1",
            "--out",
            str(tmp_path),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0] == f"new      {tmp_path}/fashion-mnist-random-perfect-s0"
    assert lines[3] == f"new      {tmp_path}/fashion-mnist-entropy-perfect-s1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "4-0"], "error: --seeds '4-0': range '4-0' runs backwards; write 0-4\n"),
        (
            ["--seeds", "x"],
            "error: --seeds 'x': 'x' is not a seed; "
            "expected numbers and ranges like 0-4 or 0,3,7\n",
        ),
        (
            ["--strategy", "pal,,random"],
            "error: --strategy 'pal,,random': empty item; expected a comma list like a,b,c\n",
        ),
        (
            ["--strategy", "random,random"],
            "error: --strategy 'random,random': 'random' is listed twice\n",
        ),
        (
            ["--oracle", "0.1,0.2"],
            "error: --oracle '0.1,0.2': '0.1' has no noise model before it; write e.g. noisy:0.1\n",
        ),
        (["--dataset", "imagenet"], "error: unknown dataset 'imagenet'; choose one of: "),
        (
            ["--strategy", "random,oracle-peek"],
            "error: unknown strategy 'oracle-peek'; choose one of: ",
        ),
        (["--jobs", "0"], "error: --jobs 0: need at least 1 worker\n"),
        (
            ["--oracle", "nosiy:0.2"],
            "error: grid point fashion-mnist-entropy-nosiy_0.2-s0: "
            "unknown oracle spec 'nosiy:0.2'; valid forms: perfect",
        ),
        (
            ["--oracle", "noisy:0.1,noisy:0.2x"],
            "error: grid point fashion-mnist-entropy-noisy_0.2x-s0: bad oracle spec 'noisy:0.2x': "
            "'0.2x' is not a number",
        ),
        (
            ["--strategy", "bald", "-S", "passes=0"],
            "error: grid point "
            "fashion-mnist-bald-perfect-s0: strategy option passes='0': must be a finite number, "
            "at least 1\n",
        ),
        (
            ["--backend", "ray", "--jobs", "2"],
            "error: --jobs is for --backend local; Ray schedules by --cpus-per-run\n",
        ),
        (["--initial", "-3"], "error: initial '-3' must not be negative\n"),
    ],
)
def test_bad_grid_specs_exit_2_with_one_line(tmp_path, args, message) -> None:
    result = runner.invoke(app, ["sweep", *args, "--out", str(tmp_path), "--dry-run"])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_ray_backend_without_ray_is_one_line_exit_2(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    result = runner.invoke(app, ["sweep", "--backend", "ray", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --backend ray needs Ray, which is not installed here: pip install palsim[ray]\n"
    )


@requires_fashion_mnist
def test_ctrl_c_stops_the_sweep_with_130_and_saves_the_runs(tmp_path) -> None:
    import signal
    import subprocess
    import time

    tiny = [*TINY[:-1], "2000"]  # a larger test split: cycles long enough to interrupt
    command = [
        sys.executable,
        "-m",
        "palsim",
        "sweep",
        "--strategy",
        "random",
        "--seeds",
        "0-2",
        *tiny,
        "--out",
        str(tmp_path),
        "--jobs",
        "2",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(
        e["event"] == EventName.CYCLE_STARTED and e["cycle"] == 1
        for path in tmp_path.glob("*/events.jsonl")
        for e in read_events(path)
    ):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert stderr.splitlines()[-1] == "interrupted; run the same sweep again to resume it"
    statuses = [read_summary(path.parent)["status"] for path in tmp_path.glob("*/summary.json")]
    assert statuses == ["interrupted", "interrupted"]  # the third run never started

"""The Ray backend on a real local Ray instance (2 CPUs): tiny runs as Ray tasks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.config import RunConfig
from palsim.events import EventName, read_events
from palsim.store import read_summary
from palsim.sweep.grid import Outcome, expand_grid, run_sweep
from palsim.sweep.ray_backend import RAY_MISSING, RayBackend, gpu_share, import_ray
from tests.conftest import requires_fashion_mnist, tiny_study_args


def test_gpu_share() -> None:
    assert gpu_share("auto", cluster_gpus=4, runs_per_gpu=2) == 0.5
    assert gpu_share("cuda", cluster_gpus=1, runs_per_gpu=1) == 1.0
    assert gpu_share("cpu", cluster_gpus=4, runs_per_gpu=2) == 0.0
    assert gpu_share("auto", cluster_gpus=0, runs_per_gpu=2) == 0.0


def test_missing_ray_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ValueError) as error:
        import_ray()
    assert str(error.value) == RAY_MISSING
    assert str(error.value) == (
        "--backend ray needs Ray, which is not installed here: pip install palsim[ray]"
    )


def test_bad_shares_are_refused() -> None:
    pytest.importorskip("ray")
    with pytest.raises(ValueError, match="--runs-per-gpu 0: need at least 1"):
        RayBackend(None, runs_per_gpu=0)
    with pytest.raises(ValueError, match="--cpus-per-run 0: need at least 1"):
        RayBackend(None, cpus_per_run=0)


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(
        num_cpus=2,
        num_gpus=0,
        include_dashboard=False,
        object_store_memory=80 * 2**20,
        logging_level="ERROR",
    )
    yield ray
    ray.shutdown()


@requires_fashion_mnist
def test_sweep_on_a_local_ray_instance(tmp_path, local_ray) -> None:
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
    points = expand_grid(base, None, None, None, [0, 1])
    broken = expand_grid(base, None, None, ["matrix:/no/such/matrix.csv"], [0])
    backend = RayBackend(address=None, cpus_per_run=1)
    seen: list[Outcome] = []
    outcomes = run_sweep(points + broken, backend, lambda total, skipped: None, seen.append)
    assert local_ray.is_initialized()  # the backend used the running instance, left it up
    by_name = {o.name: o for o in outcomes}
    assert sorted((name, o.status) for name, o in by_name.items()) == [
        (broken[0].name, "failed"),
        (points[0].name, "finished"),
        (points[1].name, "finished"),
    ]
    assert "no/such/matrix.csv" in (by_name[broken[0].name].error or "")
    for point in points:
        summary = read_summary(point.directory)
        assert summary["status"] == "finished"
        assert by_name[point.name].final_accuracy == summary["cycles"][-1]["test_accuracy"]
        assert [e["event"] for e in read_events(point.directory)][-1] == EventName.RUN_FINISHED

    # The command line on the same instance: finished runs are skipped, the failure repeats.
    args = [
        "sweep",
        "--backend",
        "ray",
        "--strategy",
        "random",
        "--oracle",
        "noisy:0.2,matrix:/no/such/matrix.csv",
        "--seeds",
        "0-1",
        *tiny_study_args(
            tmp_path, pool_size=300, initial=40, budget=40, cycles=3, epochs=1, strategy=None
        ),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "sweep: 4 runs: 0 finished, 2 skipped, 2 failed, 0 interrupted" in result.stderr
    assert f"skipped {points[1].name}: already finished" in result.stderr


def test_ray_and_matplotlib_are_imported_only_when_used() -> None:
    code = (
        "import sys, palsim.sweep.ray_backend, palsim.report.plot, palsim.sweep.local\n"
        "print([m for m in ('ray', 'matplotlib', 'torch') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_an_unreachable_address_is_one_line_before_ray_starts() -> None:
    import socket

    from palsim.sweep.ray_backend import check_address

    with socket.socket() as probe:  # a port that nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ValueError) as error:
        check_address(f"127.0.0.1:{port}", timeout=1.0)
    assert str(error.value) == (
        f"--address 127.0.0.1:{port}: no Ray cluster reachable there (Connection refused); "
        "start one with `ray start --head`, or leave --address out for a local Ray"
    )
    with pytest.raises(ValueError, match="expected HOST:PORT"):
        check_address("ray://headnode")
    check_address("auto")  # left to Ray


def test_a_listening_address_passes() -> None:
    import socket

    from palsim.sweep.ray_backend import check_address

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_address(f"ray://127.0.0.1:{server.getsockname()[1]}", timeout=1.0)

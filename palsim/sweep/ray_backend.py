"""The Ray sweep backend: one Ray task per run, on a cluster (``--address``) or a local Ray.

Each task asks for ``cpus_per_run`` CPUs and, when the cluster has GPUs and the run may use
one, ``1 / runs_per_gpu`` of a GPU; it runs the study in the Ray worker and writes the same
run directory as a local run (so ``out`` must be a folder every node sees, e.g. NFS). Ray is
an optional extra, imported only when this backend is used: ``pip install palsim[ray]``.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from palsim.events import RunStatus
from palsim.sweep.grid import GridPoint, Outcome, Report

RAY_MISSING = "--backend ray needs Ray, which is not installed here: pip install palsim[ray]"


def import_ray() -> Any:
    """The ray module, or ValueError naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise ValueError(RAY_MISSING) from None
    return ray


#: Seconds to wait for a Ray head node to accept a connection before calling it unreachable.
CONNECT_TIMEOUT = 5.0


def check_address(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise ValueError unless ``host:port`` (or ``ray://host:port``) accepts a connection.

    ``auto`` (the running local cluster) is left to Ray. Checked before Ray starts, since
    ``ray.init`` retries an unreachable address for a long time before it gives up.
    """
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--address {address!r}: expected HOST:PORT, e.g. 10.0.0.5:6379, or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ValueError(
            f"--address {address}: no Ray cluster reachable there ({reason}); "
            "start one with `ray start --head`, or leave --address out for a local Ray"
        ) from None


def run_task(point: dict[str, Any], threads: int) -> dict[str, Any]:
    """The body of one Ray task: run the grid point here; outcomes travel as plain dicts."""
    from palsim.sweep.worker import run_point

    return run_point(GridPoint.from_dict(point), threads).to_dict()


def gpu_share(device: str, cluster_gpus: float, runs_per_gpu: int) -> float:
    """The GPU fraction a run asks for: 0 on the CPU, else 1/runs_per_gpu."""
    if device == "cpu" or cluster_gpus <= 0:
        return 0.0
    return 1.0 / runs_per_gpu


class RayBackend:
    """Runs grid points as Ray tasks; starts a local Ray when none is running or given."""

    def __init__(self, address: str | None, runs_per_gpu: int = 1, cpus_per_run: int = 1) -> None:
        if runs_per_gpu < 1:
            raise ValueError(f"--runs-per-gpu {runs_per_gpu}: need at least 1")
        if cpus_per_run < 1:
            raise ValueError(f"--cpus-per-run {cpus_per_run}: need at least 1")
        if address:
            check_address(address)
        self.ray = import_ray()
        self.address = address
        self.runs_per_gpu = runs_per_gpu
        self.cpus_per_run = cpus_per_run

    def connect(self) -> bool:
        """Join the cluster (or start a local Ray); True when this call started Ray."""
        if self.ray.is_initialized():
            return False
        if self.address:
            self.ray.init(address=self.address, logging_level=logging.WARNING)
        else:
            self.ray.init(logging_level=logging.WARNING, include_dashboard=False)
        return True

    def __call__(self, points: list[GridPoint], report: Report) -> None:
        started_here = self.connect()
        try:
            self._run(points, report)
        finally:
            if started_here:
                self.ray.shutdown()

    def _run(self, points: list[GridPoint], report: Report) -> None:
        ray = self.ray
        cluster_gpus = float(ray.cluster_resources().get("GPU", 0))
        task = ray.remote(run_task)
        by_ref = {}
        for point in points:
            options = {
                "num_cpus": self.cpus_per_run,
                "name": f"palsim {point.name}",
                "num_gpus": gpu_share(point.config.device, cluster_gpus, self.runs_per_gpu),
            }
            ref = task.options(**options).remote(point.to_dict(), self.cpus_per_run)
            by_ref[ref] = point
        pending = list(by_ref)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    report(self._collect(ref, by_ref[ref]))
        except KeyboardInterrupt:
            # Running tasks get a KeyboardInterrupt and end their runs as "interrupted".
            for ref in pending:
                ray.cancel(ref)
            raise

    def _collect(self, ref: Any, point: GridPoint) -> Outcome:
        """The task's outcome, or a failed one when its worker died or Ray gave up on it."""
        try:
            return Outcome(**self.ray.get(ref))
        except self.ray.exceptions.RayError as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            return Outcome(point.name, RunStatus.FAILED, str(point.directory), error=first_line)

"""Choose the backend that runs a sweep's grid points: local worker processes or Ray tasks."""

from __future__ import annotations

from palsim.sweep.grid import Backend
from palsim.sweep.local import LocalBackend
from palsim.sweep.ray_backend import RayBackend


def make_backend(
    name: str,
    jobs: int = 1,
    address: str | None = None,
    runs_per_gpu: int = 1,
    cpus_per_run: int = 1,
) -> Backend:
    """``local`` (``jobs`` worker processes) or ``ray`` (tasks on a Ray cluster)."""
    if name == "local":
        return LocalBackend(jobs)
    if name == "ray":
        if jobs != 1:
            raise ValueError("--jobs is for --backend local; Ray schedules by --cpus-per-run")
        return RayBackend(address, runs_per_gpu, cpus_per_run)
    raise ValueError(f"unknown backend {name!r}; choose one of: local, ray")

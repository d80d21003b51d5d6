"""Shared fixtures: tiny studies on the Fashion-MNIST files of Debian's dataset-fashion-mnist."""

from __future__ import annotations

from pathlib import Path

import pytest

FASHION = Path("/usr/share/datasets/fashion-mnist")

requires_fashion_mnist = pytest.mark.skipif(
    not (FASHION / "train-images-idx3-ubyte.gz").exists(),
    reason="needs Debian's dataset-fashion-mnist package (installed by .ci/run)",
)


def tiny_study_args(out: Path | None, name: str | None = None, **overrides: object) -> list[str]:
    """Arguments of a `palsim run` (or, without ``out`` and ``name``, of a sweep's grid point)
    that finishes in a few seconds on a CPU; an override of None leaves the option out."""
    values: dict[str, object] = {
        "out": out,
        "name": name,
        "pool-size": 600,
        "initial": 60,
        "budget": 60,
        "cycles": 3,
        "epochs": 2,
        "min-steps": 0,
        "strategy": "entropy",
        "device": "cpu",
        "test-size": 500,
    }
    values.update({key.replace("_", "-"): value for key, value in overrides.items()})
    return [
        part
        for key, value in values.items()
        if value is not None
        for part in (f"--{key}", str(value))
    ]


@pytest.fixture(autouse=True, scope="session")
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Reference classifiers (confusion:P) are cached in a folder of the test session's own,
    shared by its tests and the runs they start, never in the user's cache."""
    import os

    os.environ["PALSIM_CACHE"] = str(tmp_path_factory.mktemp("palsim-cache"))

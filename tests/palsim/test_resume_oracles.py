"""Resume stays exact with re-asked labels and with the instance-dependent noise models: a run
killed (SIGKILL) in cycle 1 and resumed ends as an uninterrupted run does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from palsim.events import read_events
from tests.conftest import requires_fashion_mnist, tiny_study_args
from tests.palsim.test_resume import result_of, resume, wait_for_cycle

STUDIES = {
    "reask": {"oracle": "annotators:3:0.3", "relabel": "disagree", "relabel_share": 0.25},
    "idn": {"oracle": "idn:0.3"},
    "confusion": {"oracle": "confusion:0.3:train=2000"},
}


def start(out: Path, name: str, settings: dict[str, Any]) -> subprocess.Popen[str]:
    args = tiny_study_args(
        out,
        name,
        pool_size=300,
        initial=40,
        budget=40,
        cycles=3,
        epochs=1,
        strategy="margin",
        test_size=2000,
        **settings,
    )
    command = [sys.executable, "-m", "palsim", "run", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def relabels(directory: Path) -> dict[int, Any]:
    return {e["cycle"]: e.get("relabel") for e in read_events(directory) if e["event"] == "query"}


@requires_fashion_mnist
@pytest.mark.parametrize("study", list(STUDIES))
def test_killed_and_resumed_run_ends_as_an_uninterrupted_one(tmp_path, study: str) -> None:
    reference = start(tmp_path, "reference", STUDIES[study])
    assert reference.wait(timeout=600) == 0, reference.communicate()[1]
    killed = start(tmp_path, "killed", STUDIES[study])
    wait_for_cycle(tmp_path / "killed", 1, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert resume(tmp_path / "killed")["status"] == "finished"
    assert result_of(tmp_path / "killed") == result_of(tmp_path / "reference")
    assert relabels(tmp_path / "killed") == relabels(tmp_path / "reference")
    if study == "reask":
        assert all(len(r["indices"]) == 10 for r in relabels(tmp_path / "reference").values())

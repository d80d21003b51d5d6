"""`palsim run --tui` hands the study to a child process through a study file in its folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tui.launch
from palsim.cli import app
from tests.conftest import requires_fashion_mnist, tiny_study_args


@requires_fashion_mnist
def test_tui_runs_the_same_study_in_a_child(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], Path]] = []

    def fake_dashboard(child_argv: list[str], run_dir: Path) -> int:
        calls.append((child_argv, run_dir))
        # What the dashboard would start: the study itself, writing run_dir.
        command = [sys.executable, "-m", "palsim", *child_argv]
        return subprocess.run(command, capture_output=True, check=False).returncode

    monkeypatch.setattr(tui.launch, "run_with_tui", fake_dashboard)
    args = tiny_study_args(tmp_path, "watched", cycles=2, epochs=1, oracle="noisy:0.1")
    result = CliRunner().invoke(app, ["run", *args, "--tui"])
    assert result.exit_code == 0, result.output
    [(child_argv, run_dir)] = calls
    assert run_dir == tmp_path / "watched"
    assert child_argv[:2] == ["run", "--config"] and "--quiet" in child_argv
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["oracle"], config["cycles"], config["pool_size"]) == ("noisy:0.1", 2, 600)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "finished" and len(summary["cycles"]) == 2


def test_tui_resume_watches_the_given_folder(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], Path]] = []
    monkeypatch.setattr(tui.launch, "run_with_tui", lambda argv, d: calls.append((argv, d)) or 0)
    result = CliRunner().invoke(app, ["run", "--resume", str(tmp_path), "--tui"])
    assert result.exit_code == 0
    assert calls == [(["run", "--resume", str(tmp_path), "--quiet"], tmp_path)]

"""Each file of an interrupted run folder truncated, deleted or edited, then opened again.

``palsim run --resume`` either ends exactly like the uninterrupted run or exits 2 with one
line naming the file that disagrees; ``palsim report`` and the dashboard open every such
folder without a traceback.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.config import build_config
from palsim.events import LOCK_FILE
from palsim.runner import execute, prepare
from tests.conftest import requires_fashion_mnist
from tests.palsim.test_resume import result_of

pytestmark = requires_fashion_mnist

STUDY = {
    "pool_size": 300,
    "initial": "40",
    "budget": "40",
    "cycles": 3,
    "epochs": 1,
    "min_steps": 0,  # epochs only: resume must be exact, however little was trained
    "strategy": "random",
    "test_size": 200,
    "oracle": "noisy:0.2",
    "device": "cpu",
}


def run_study(root: Path, name: str, stop_after_cycle: int | None = None) -> Path:
    """Run the tiny study in this process; Ctrl-C (simulated) after ``stop_after_cycle``."""

    def stop(event: dict[str, Any]) -> None:
        if event["event"] == "cycle_finished" and event["record"]["cycle"] == stop_after_cycle:
            raise KeyboardInterrupt

    prepared = prepare(build_config({}, {**STUDY, "out": str(root), "name": name}))
    try:
        execute(prepared, stop)
    except KeyboardInterrupt:
        assert stop_after_cycle is not None
    return root / name


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(an uninterrupted run, a run stopped after cycle 0)."""
    root = tmp_path_factory.mktemp("studies")
    return run_study(root, "reference"), run_study(root, "stopped", stop_after_cycle=0)


Corruption = Callable[[Path], None]


def truncate(name: str) -> Corruption:
    def corrupt(directory: Path) -> None:
        data = (directory / name).read_bytes()
        if name == "events.jsonl":  # cut inside the query of cycle 0, the answers that matter
            start = data.index(b'{"event":"query"')
            data = data[: start + 40]
        (directory / name).write_bytes(data[: len(data) // 2] if name != "events.jsonl" else data)

    return corrupt


def delete(name: str) -> Corruption:
    return lambda directory: (directory / name).unlink()


def edit_json(name: str, change: Callable[[Any], None]) -> Corruption:
    def corrupt(directory: Path) -> None:
        value = json.loads((directory / name).read_text())
        change(value)
        (directory / name).write_text(json.dumps(value))

    return corrupt


def edit_query(directory: Path) -> None:
    lines = (directory / "events.jsonl").read_text().splitlines()
    for index, line in enumerate(lines):
        event = json.loads(line)
        if event["event"] == "query":
            event["indices"][0] += 1
            lines[index] = json.dumps(event)
    (directory / "events.jsonl").write_text("\n".join(lines) + "\n")


def edit_answer(directory: Path) -> None:
    rows = (directory / "annotations.csv").read_text().splitlines()
    task, worker, label, true_label, cycle = rows[-1].split(",")
    rows[-1] = ",".join([task, worker, str((int(label) + 1) % 10), true_label, cycle])
    (directory / "annotations.csv").write_text("\n".join(rows) + "\n")


def leftovers(directory: Path) -> None:
    (directory / ".summary.json.999.tmp").write_text('{"half": ')
    (directory / ".checkpoint.json.999.tmp").write_text("")


def set_key(key: str, value: Any) -> Callable[[Any], None]:
    return lambda content: content.__setitem__(key, value)


def change_label(checkpoint: Any) -> None:
    checkpoint["labels"][0] = (checkpoint["labels"][0] + 1) % 10


# (what is done to the stopped run, the file the refusal names; None: resumes exactly)
CASES: dict[str, tuple[Corruption, str | None]] = {
    "config truncated": (truncate("config.json"), "config.json"),
    "config deleted": (delete("config.json"), "config.json"),
    "config edited": (edit_json("config.json", set_key("epochs", 2)), "config.json"),
    "checkpoint truncated": (truncate("checkpoint.json"), "checkpoint.json"),
    "checkpoint deleted": (delete("checkpoint.json"), "checkpoint.json"),
    "checkpoint label edited": (edit_json("checkpoint.json", change_label), "checkpoint.json"),
    "checkpoint cycle edited": (
        edit_json("checkpoint.json", set_key("next_cycle", 2)),
        "checkpoint.json",
    ),
    "checkpoint initial draw edited": (
        edit_json("checkpoint.json", set_key("initial_draw", {"diagnostics": {"x": "1"}})),
        "checkpoint.json",
    ),
    "annotations truncated": (truncate("annotations.csv"), "annotations.csv"),
    "annotations deleted": (delete("annotations.csv"), "annotations.csv"),
    "annotations edited": (edit_answer, "annotations.csv"),
    "events truncated": (truncate("events.jsonl"), "events.jsonl"),
    "events deleted": (delete("events.jsonl"), "events.jsonl"),
    "events edited": (edit_query, "events.jsonl"),
    "summary truncated": (truncate("summary.json"), None),
    "summary deleted": (delete("summary.json"), None),
    "summary edited": (edit_json("summary.json", set_key("status", "finished")), "summary.json"),
    "temporary files left": (leftovers, None),
}


def contents(directory: Path) -> dict[str, bytes]:
    """Every file of the folder but the lock, whose holder line a resume rewrites."""
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.name != LOCK_FILE}


def corrupted_copy(stopped: Path, root: Path, case: str) -> Path:
    directory = root / case.replace(" ", "-")
    shutil.copytree(stopped, directory)
    CASES[case][0](directory)
    return directory


@pytest.mark.parametrize("case", CASES)
def test_resume_is_exact_or_refused_naming_the_file(
    studies: tuple[Path, Path], tmp_path: Path, case: str
) -> None:
    reference, stopped = studies
    directory = corrupted_copy(stopped, tmp_path, case)
    before = contents(directory)
    result = CliRunner().invoke(app, ["run", "--resume", str(directory), "--quiet", "--json"])
    named = CASES[case][1]
    if named is None:
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["status"] == "finished"
        assert result_of(directory) == result_of(reference)
        assert not list(directory.glob("*.tmp"))
        return
    assert result.exit_code == 2, result.output
    line = result.stderr
    assert line.startswith(f"error: --resume {directory}: ") and line.count("\n") == 1
    assert named in line
    assert "to start over" in line or "not a run directory (no config.json)" in line
    assert contents(directory) == before  # a refused resume writes nothing (but who held it)


def test_resume_refuses_options_that_would_change_the_study(
    studies: tuple[Path, Path], tmp_path: Path
) -> None:
    stopped = shutil.copytree(studies[1], tmp_path / "stopped")
    for options in (["--epochs", "2"], ["--oracle", "noisy:0.3"], ["-S", "k=v"]):
        result = CliRunner().invoke(app, ["run", "--resume", str(stopped), *options])
        assert result.exit_code == 2
        assert "options that would change the study" in result.stderr
        assert options[0].lstrip("-S") in result.stderr or "--strategy-option" in result.stderr
    same = CliRunner().invoke(app, ["run", "--resume", str(stopped), "--epochs", "1", "--json"])
    assert same.exit_code == 0, same.stderr  # equal to the saved value: nothing changes
    again = CliRunner().invoke(app, ["run", "--resume", str(stopped), "--json"])
    assert again.exit_code == 0 and "is already finished; nothing to resume" in again.stderr


def test_report_and_dashboard_open_every_corrupted_folder(
    studies: tuple[Path, Path], tmp_path: Path
) -> None:
    from tui.app import make_app
    from tui.run_screen import RunScreen
    from tui.runs_screen import RunsScreen
    from tui.runs_table import RunsTable

    shutil.copytree(studies[0], tmp_path / "reference")
    for case in CASES:
        corrupted_copy(studies[1], tmp_path, case)
    result = CliRunner().invoke(app, ["report", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 + 3  # header, the reference's three cycles
    assert result.stderr.count("skipped ") == len(CASES)  # unfinished, unreadable or unlike

    async def drive() -> None:
        app_ = make_app(tmp_path, poll_seconds=0.05)
        async with app_.run_test(size=(120, 40)) as pilot:
            screen = app_.screen
            assert isinstance(screen, RunsScreen)
            while len(screen.rows) < len(CASES) + 1:
                await pilot.pause(0.05)
            table = screen.query_one(RunsTable)
            for index in range(table.row_count):
                table.move_cursor(row=index)
                await pilot.press("enter")
                await pilot.pause(0.2)
                assert isinstance(app_.screen, RunScreen)
                await pilot.press("escape")
                await pilot.pause(0.05)

    asyncio.run(asyncio.wait_for(drive(), 120))

"""The real dashboard on crafted folders: hostile strings, malformed events, the writer lock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from palsim.events import LOCK_FILE
from palsim.run_lock import RunLock
from tests.reliability.hostile import (
    FORBIDDEN,
    HOSTILE_DIR,
    malformed_events,
    write_folder,
    write_hostile_run,
)
from tests.tui.fake_run import make_config, run_events
from tui.app import make_app
from tui.cycle_progress import STATUS_STYLES, CycleProgress
from tui.run_screen import RunScreen
from tui.runs_screen import RunsScreen
from tui.runs_table import RunsTable

POLL = 0.05


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 10
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the dashboard did not reach the expected state"
        await pilot.pause(POLL)


def assert_screen_inert(app: object) -> None:
    svg = app.export_screenshot()  # type: ignore[attr-defined]
    assert not [char for char in FORBIDDEN if char in svg]


def test_dashboard_survives_hostile_and_malformed_folders(tmp_path: Path) -> None:
    write_hostile_run(tmp_path)
    write_folder(tmp_path / "malformed", make_config("m"), malformed_events(), "finished")
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "config.json").write_text("[1, 2")  # not JSON
    (tmp_path / "garbage" / "events.jsonl").write_bytes(b"\xff\xfe{\n" + b"[" * 100_000 + b"\n")

    async def drive() -> None:
        app = make_app(tmp_path, poll_seconds=POLL)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            await wait_until(pilot, lambda: len(screen.rows) == 3)
            assert_screen_inert(app)
            names = sorted(row.name for row in screen.rows.values())
            assert names[-1] == "run-\\x1b[31m[bold]x\\x07"  # shown literally
            table = screen.query_one(RunsTable)
            for index in range(3):
                table.move_cursor(row=index)
                await pilot.press("enter")
                await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
                run_screen = app.screen
                await pilot.pause(0.3)  # let the follower read the whole log
                assert_screen_inert(app)
                progress = run_screen.query_one(CycleProgress)
                assert progress.status in STATUS_STYLES
                await pilot.press("escape")
                await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))

    asyncio.run(drive())
    assert (tmp_path / HOSTILE_DIR).is_dir()


def test_dashboard_tells_a_crashed_run_by_its_free_lock(tmp_path: Path) -> None:
    """No run_finished, events written a moment ago: running while locked, crashed once not."""
    directory = tmp_path / "run"
    events = run_events("run", cycles=2, finished=False)
    write_folder(directory, make_config("run"), events, "running")
    (directory / "summary.json").unlink()
    lock = RunLock.acquire(directory)
    before = (directory / "events.jsonl").read_bytes()

    async def drive() -> None:
        app = make_app(directory, poll_seconds=POLL)
        async with app.run_test(size=(100, 30)) as pilot:
            progress = app.screen.query_one(CycleProgress)
            await wait_until(pilot, lambda: progress.status == "running")
            await pilot.pause(0.5)
            assert progress.status == "running"  # the probe did not disturb the writer
            lock.release()  # what the kernel does when the writer is killed
            started = time.monotonic()
            await wait_until(pilot, lambda: progress.status == "crashed", timeout=5)
            assert time.monotonic() - started < 3

    asyncio.run(drive())
    assert (directory / "events.jsonl").read_bytes() == before  # the dashboard only reads
    assert (directory / LOCK_FILE).exists()

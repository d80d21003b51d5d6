"""Snapshots of the main screens at 80x24 and 120x36 (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import POLL, wait_until
from fake_run import write_run
from textual.pilot import Pilot
from textual.widgets import DataTable

from tui.app import make_app
from tui.cycle_progress import CycleProgress
from tui.query_stats import QueryStats

SIZES = [(80, 24), (120, 36)]


async def settle(pilot: Pilot[None]) -> None:
    """Let the layout catch up with the last update (a scrollbar appears a frame later)."""
    for _ in range(3):
        await pilot.pause(0.05)


def finished_runs(root: Path) -> Path:
    write_run(root, "entropy-noisy0.2", cycles=5, strategy="entropy", shift=-0.035)
    write_run(root, "random-noisy0.2", cycles=5, strategy="random", shift=-0.06)
    return write_run(root, "pal-noisy0.2", cycles=5)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_run_screen(snap_compare: Any, runs_root: Path, size: tuple[int, int]) -> None:
    run_dir = finished_runs(runs_root)

    async def loaded(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.query_one(CycleProgress).status == "finished")
        await wait_until(pilot, lambda: screen.query_one(QueryStats).cycle == 4)
        await settle(pilot)
        await pilot.press("up")  # the last cycle queries nothing: show the one before
        await wait_until(pilot, lambda: screen.query_one(QueryStats).cycle == 3)
        await settle(pilot)

    assert snap_compare(make_app(run_dir, poll_seconds=POLL), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runs_screen(snap_compare: Any, runs_root: Path, size: tuple[int, int]) -> None:
    finished_runs(runs_root)

    async def marked(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 3)
        await pilot.press("space", "down", "space", "down", "space")
        await settle(pilot)

    app = make_app(runs_root, poll_seconds=POLL)
    assert snap_compare(app, terminal_size=size, run_before=marked)

"""Snapshots of the main screens at 80x24 and 120x36 (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import POLL, wait_until
from fake_run import append_events, cycle_events, write_run
from fake_segmentation import write_segmentation_run
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


def write_runs(root: Path) -> Path:
    """Two finished baselines and a PAL run with a voting annotator pool, training cycle 3.

    The names are as long as the engine makes them, so the snapshots show how they fit.
    """
    baselines = {"entropy": ("113000", -0.035), "random": ("113512", -0.06)}
    for strategy, (time_of_day, shift) in baselines.items():
        name = f"fashion-mnist-{strategy}-noisy_0.2-s0-20261127-{time_of_day}"
        write_run(root, name, cycles=5, strategy=strategy, shift=shift)
    live = write_run(
        root,
        "fashion-mnist-pal-annotators_3_0.1-0.5_vote_3-s0-20261127-114001",
        cycles=3,
        finished=False,
        oracle="annotators:3:0.1-0.5:vote=3",
        vote=True,
    )
    append_events(live, cycle_events(3, last=False, vote=True)[:4])  # epoch 2 of 3
    return live


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_run_screen(snap_compare: Any, runs_root: Path, size: tuple[int, int]) -> None:
    run_dir = write_runs(runs_root)

    async def loaded(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.query_one(CycleProgress).progress.epoch == 2)
        # Cycle 3 has no query yet: the panel shows the newest one.
        await wait_until(pilot, lambda: screen.query_one(QueryStats).cycle == 2)
        await settle(pilot)

    assert snap_compare(make_app(run_dir, poll_seconds=POLL), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runs_screen(snap_compare: Any, runs_root: Path, size: tuple[int, int]) -> None:
    write_runs(runs_root)

    async def marked(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 3)
        await pilot.press("space", "down", "space", "down", "space")
        await settle(pilot)

    app = make_app(runs_root, poll_seconds=POLL)
    assert snap_compare(app, terminal_size=size, run_before=marked)


def test_segmentation_run_screen(snap_compare: Any, runs_root: Path) -> None:
    """mIoU on the curve and in the table, pixels per class in the query panel, at 80x24."""
    run_dir = write_segmentation_run(runs_root, "fashion-scenes-entropy-segment-flip_0.2-s0")

    async def loaded(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.query_one(QueryStats).cycle == 2)
        await settle(pilot)

    assert snap_compare(
        make_app(run_dir, poll_seconds=POLL), terminal_size=(80, 24), run_before=loaded
    )

"""The run screen driven by the Pilot on fake event logs, including one that grows."""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from conftest import POLL, async_test, wait_until
from fake_run import CLASS_NAMES, append_events, cycle_events, fake_query, write_run

from palsim.events import run_finished_event
from tui.app import make_app
from tui.curve import LearningCurve
from tui.cycle_progress import CycleProgress
from tui.cycle_table import CycleTable
from tui.query_stats import QueryStats
from tui.run_screen import RunScreen


def table_rows(app_screen: RunScreen) -> list[list[str]]:
    table = app_screen.query_one(CycleTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@async_test
async def test_cycle_table_curve_and_status(runs_root: Path) -> None:
    run_dir = write_run(runs_root, "pal-noisy", cycles=4)
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await wait_until(pilot, lambda: screen.query_one(CycleTable).row_count == 4)
        rows = table_rows(screen)
        wrong0 = sum(t != o for t, o in zip(*_labels(0), strict=True))
        assert rows[0] == ["0", "100", "61.25", "20", "20.0", f"{wrong0}/50", "10.0", "2.5"]
        assert rows[3][:3] == ["3", "250", "79.12"]
        assert rows[3][5] == "-"  # the last cycle asks nothing
        curve = screen.query_one(LearningCurve)
        assert curve.series[0].points == (
            (100, 0.6125),
            (150, 0.7034),
            (200, 0.7588),
            (250, 0.7912),
        )
        progress = screen.query_one(CycleProgress)
        assert (progress.run_name, progress.status) == ("pal-noisy", "finished")


def _labels(cycle: int) -> tuple[list[int], list[int]]:
    query = fake_query(cycle)
    return query["true_labels"], query["oracle_labels"]


@async_test
async def test_query_stats_of_the_selected_cycle(runs_root: Path) -> None:
    run_dir = write_run(runs_root, "pal-noisy", cycles=4)
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(100, 40)) as pilot:
        stats = app.screen.query_one(QueryStats)
        # The last cycle queries nothing: following the run shows the newest query.
        await wait_until(pilot, lambda: stats.cycle == 2)
        await pilot.press("up", "up")  # cycle 1
        await wait_until(pilot, lambda: stats.cycle == 1)
        true, oracle = _labels(1)
        wrong = sum(t != o for t, o in zip(true, oracle, strict=True))
        lines = [line.plain for line in stats.lines()]
        assert lines[0].startswith(f"{wrong}/50 wrong")
        assert lines[1:4] == [
            "alice      17 answers   1 wrong   6%",
            "bob        17 answers   4 wrong  24%",
            "carol      16 answers   2 wrong  12%",
        ]
        assert lines[4].startswith("scores ") and "-3.5..-0.25" in lines[4]
        true_counts, oracle_counts = Counter(true), Counter(oracle)
        for label, name in enumerate(CLASS_NAMES):
            line = next(x for x in lines if x.startswith(name[:9]))
            numbers = [int(word) for word in line.split() if word.isdigit()]
            assert numbers == [true_counts[label], oracle_counts[label]], name
        await pilot.press("l")  # back to following the run
        await wait_until(pilot, lambda: stats.cycle == 2)


@async_test
async def test_log_that_grows_while_the_app_runs(runs_root: Path) -> None:
    run_dir = write_run(runs_root, "live", cycles=2, finished=False)
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunScreen)
        table, progress = screen.query_one(CycleTable), screen.query_one(CycleProgress)
        await wait_until(pilot, lambda: table.row_count == 2)
        assert progress.status == "running"
        more = cycle_events(2, last=True)
        append_events(run_dir, more[:4])  # cycle_started, phase, epochs 1 and 2
        await wait_until(pilot, lambda: table.row_count == 3)
        await wait_until(pilot, lambda: progress.progress.epoch == 2)
        assert table_rows(screen)[2][:3] == ["2", "200", "…"]
        assert "epoch 2/3" in progress.render().plain
        stop = run_finished_event(status="interrupted", error="stopped by the user")
        append_events(run_dir, [*more[4:], stop])
        await wait_until(pilot, lambda: table_rows(screen)[2][2] == "75.88")
        await wait_until(pilot, lambda: progress.status == "interrupted")
        assert "INTERRUPTED (stopped by the user)" in progress.render().plain


@async_test
async def test_truncated_last_line_shows_crashed(runs_root: Path) -> None:
    run_dir = write_run(runs_root, "died", cycles=2, finished=False)
    append_events(run_dir, cycle_events(2, last=False)[:2], tail='{"event": "epoch", "cyc')
    past = time.time() - 3600  # the writer stopped an hour ago
    os.utime(run_dir / "events.jsonl", (past, past))
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        progress = app.screen.query_one(CycleProgress)
        await wait_until(pilot, lambda: app.screen.query_one(CycleTable).row_count == 3)
        await wait_until(pilot, lambda: progress.status == "crashed")
        assert progress.progress.phase == "train"


@async_test
async def test_run_folder_that_appears_later(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "later"
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        progress = app.screen.query_one(CycleProgress)
        assert progress.status == "waiting"
        write_run(tmp_path / "runs", "later", cycles=2)
        await wait_until(pilot, lambda: app.screen.query_one(CycleTable).row_count == 2)
        await wait_until(pilot, lambda: progress.status == "finished")

"""The query panel and the status line on deterministic fake event logs."""

from __future__ import annotations

from pathlib import Path

from conftest import POLL, async_test, wait_until
from fake_run import append_events, cycle_events, run_events, write_run

from tui.app import make_app
from tui.cycle_progress import CycleProgress, progress_text
from tui.cycle_table import CycleTable
from tui.query_stats import QueryStats
from tui.run_state import AnnotatorStats, CycleQuery, Progress


@async_test
async def test_panel_keeps_the_newest_query_while_the_next_cycle_trains(runs_root: Path) -> None:
    run_dir = write_run(runs_root, "live", cycles=2, finished=False)
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        stats, progress = screen.query_one(QueryStats), screen.query_one(CycleProgress)
        await wait_until(pilot, lambda: stats.cycle == 1)
        cycle_two = cycle_events(2, last=False)
        append_events(run_dir, cycle_two[:4])  # cycle 2 starts and trains (epoch 2 of 3)
        await wait_until(pilot, lambda: progress.progress.epoch == 2)
        assert screen.query_one(CycleTable).row_count == 3
        assert stats.cycle == 1 and stats.lines()[0].plain == "7/50 wrong (14.0%) · cost 50"
        append_events(run_dir, cycle_two[4:])  # its query arrives
        await wait_until(pilot, lambda: stats.cycle == 2)
        assert stats.border_title == "query of cycle 2"


@async_test
async def test_panel_before_the_first_query(runs_root: Path) -> None:
    run_dir = runs_root / "new"
    run_dir.mkdir()
    append_events(run_dir, run_events("new", cycles=1, finished=False)[:3])
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        stats = app.screen.query_one(QueryStats)
        await wait_until(pilot, lambda: app.screen.query_one(CycleTable).row_count == 1)
        assert [line.plain for line in stats.lines()] == ["no query yet"]
        assert stats.border_title == "query"


@async_test
async def test_annotator_lines_count_each_voter_once_per_vote(runs_root: Path) -> None:
    # Every item is answered by alice, bob and carol in a random order (fake_run's vote mode).
    run_dir = write_run(runs_root, "vote", cycles=3, vote=True, oracle="annotators:3:vote=3")
    app = make_app(run_dir, poll_seconds=POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        stats = app.screen.query_one(QueryStats)
        await wait_until(pilot, lambda: stats.cycle == 1)
        lines = [line.plain for line in stats.lines()]
        assert lines[0] == "13/50 wrong (26.0%) · cost 150"
        assert lines[1:4] == [
            "alice      50 answers   6 wrong  12%",
            "bob        50 answers  12 wrong  24%",
            "carol      50 answers  28 wrong  56%",
        ]
        assert lines[4].startswith("scores ")


def test_annotator_stats_from_individual_answers() -> None:
    event = {
        "cycle": 0,
        "indices": [10, 11, 12],
        "true_labels": [1, 2, 3],
        "oracle_labels": [1, 2, 3],
        "annotators": ["a+b", "b+a", "c"],
        "answers": [
            [10, "a", 1],
            [10, "b", 0],
            [11, "b", 2],
            [11, "a", 0],
            [12, "c", 3],
            [99, "c", 0],
            ["bad"],
            None,
        ],
    }
    assert CycleQuery.from_event(event).annotators == (
        AnnotatorStats("a", 2, 1),
        AnnotatorStats("b", 2, 1),
        AnnotatorStats("c", 1, 0),
    )
    assert CycleQuery.from_event({**event, "annotators": None}).annotators == ()


def test_status_line_gives_way_so_that_the_loss_stays() -> None:
    name = "fashion-mnist-pal-annotators_3_vote_3-s0-20261127-114001"
    progress = Progress(
        cycle=3, phase="train", detail="small-cnn on 250", epoch=2, epochs=3, loss=0.75
    )
    full = progress_text(name, "running", progress).plain
    assert full == (
        f"{name}  RUNNING  cycle 3 · train (small-cnn on 250) · epoch 2/3 ███████░░░ loss 0.7500"
    )
    assert progress_text(name, "running", progress, width=len(full)).plain == full
    without_detail = f"{name}  RUNNING  cycle 3 · train · epoch 2/3 ███████░░░ loss 0.7500"
    assert progress_text(name, "running", progress, width=len(without_detail)).plain == (
        without_detail
    )
    assert progress_text(name, "running", progress, width=78).plain == (
        "fashion-m…s0-20261127-114001  RUNNING  cycle 3 · train · epoch 2/3 loss 0.7500"
    )

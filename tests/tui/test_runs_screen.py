"""The runs list: rows per run, marking and overlaying, opening a run, runs that appear."""

from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import POLL, async_test, wait_until
from fake_run import append_events, cycle_events, write_run
from textual.widgets import DataTable

from tui.app import make_app
from tui.curve import LearningCurve
from tui.run_screen import RunScreen
from tui.runs_columns import LongColumns, fit_columns, row_cells
from tui.runs_scanner import RunRow
from tui.runs_screen import RunsScreen


def rows(screen: RunsScreen) -> list[list[str]]:
    table = screen.query_one("#runs", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def make_runs(root: Path) -> None:
    write_run(root, "entropy-0.2", cycles=4, strategy="entropy", shift=-0.03)
    write_run(root, "pal-0.2", cycles=4)
    crashed = write_run(
        root, "random-0.4", cycles=2, finished=False, strategy="random", oracle="noisy:0.4"
    )
    append_events(crashed, cycle_events(2, last=False)[:1], tail='{"event": "ph')
    past = time.time() - 3600
    os.utime(crashed / "events.jsonl", (past, past))


@async_test
async def test_one_row_per_run(runs_root: Path) -> None:
    make_runs(runs_root)
    app = make_app(runs_root, poll_seconds=POLL)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        await wait_until(pilot, lambda: len(rows(screen)) == 3)
        assert rows(screen) == [
            [" ", "entropy-0.2", "entropy", "noisy:0.2", "finished", "3", "76.12"],
            [" ", "pal-0.2", "pal", "noisy:0.2", "finished", "3", "79.12"],
            [" ", "random-0.4", "random", "noisy:0.4", "crashed", "2", "70.34"],
        ]


@async_test
async def test_mark_overlay_open_and_back(runs_root: Path) -> None:
    make_runs(runs_root)
    app = make_app(runs_root, poll_seconds=POLL)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        await wait_until(pilot, lambda: len(rows(screen)) == 3)
        curve = screen.query_one("#overlay", LearningCurve)
        assert [s.label for s in curve.series] == ["entropy-0.2"]  # the highlighted run
        await pilot.press("space", "down", "space")
        assert [s.label for s in curve.series] == ["entropy-0.2", "pal-0.2"]
        assert [r[0] for r in rows(screen)] == ["✔", "✔", " "]
        await pilot.press("c")
        assert [s.label for s in curve.series] == ["pal-0.2"]
        assert [r[0] for r in rows(screen)] == [" ", " ", " "]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        assert isinstance(app.screen, RunScreen)
        assert app.screen.run_dir == runs_root / "pal-0.2"
        await pilot.press("escape")
        assert app.screen is screen


@async_test
async def test_runs_that_appear_later(runs_root: Path) -> None:
    app = make_app(runs_root, poll_seconds=POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        await pilot.pause(2 * POLL)
        assert rows(screen) == []
        write_run(runs_root / "sweep", "bald-0.2", cycles=2, strategy="bald")
        await wait_until(pilot, lambda: len(rows(screen)) == 1)
        assert rows(screen)[0][1:3] == ["sweep/bald-0.2", "bald"]


LONG_NAMES = [
    ("fashion-mnist-entropy-annotators_5_0.1-0.4-s0-20261127-113000", "annotators:5:0.1-0.4"),
    ("fashion-mnist-random-noisy_0.2-s1-20261127-113512", "noisy:0.2"),
]


@async_test
async def test_long_names_give_way_at_80_columns(runs_root: Path) -> None:
    for name, oracle in LONG_NAMES:
        write_run(runs_root, name, cycles=2, oracle=oracle)
    app = make_app(runs_root, poll_seconds=POLL)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        table = screen.query_one("#runs", DataTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        await wait_until(pilot, lambda: rows(screen)[0][1] == "fashi…127-113000")
        second = [" ", "fashi…127-113512", "pal", "noisy:0.2", "finished", "1", "70.34"]
        assert rows(screen)[1] == second
        assert rows(screen)[0][3] == "annotators:5:0.1-0.4"  # the oracle is never cut
        await pilot.pause(POLL)  # the table takes its new column widths
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert sum(widths) <= table.scrollable_content_region.width
        await pilot.resize_terminal(160, 24)
        await wait_until(pilot, lambda: rows(screen)[0][1] == LONG_NAMES[0][0])


def test_fit_columns_shortens_the_name_then_the_oracle() -> None:
    oracle = "annotators:3:0.1-0.5:vote=3"
    row = RunRow(Path("r"), "a" * 20 + "z" * 20, "entropy", oracle, "finished", 4, 0.5, points=())
    # Content: mark 1, name 40, strategy 8, oracle 27, status 8, cycle 5, acc 5 = 94, + 14 padding.
    assert fit_columns([row], 108, cell_padding=1) == LongColumns()
    assert fit_columns([row], 100, cell_padding=1) == LongColumns(name=32, oracle=27)
    assert fit_columns([row], 77, cell_padding=1) == LongColumns(name=12, oracle=24)
    assert fit_columns([row], 40, cell_padding=1) == LongColumns(name=12, oracle=16)
    cells = row_cells(row, False, LongColumns(name=12, oracle=24))
    # Text cells (never markup); their plain text:
    assert tuple(map(str, cells[1:4])) == ("aaaa…zzzzzzz", "entropy", "annotato…:0.1-0.5:vote=3")

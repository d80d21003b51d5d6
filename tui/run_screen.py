"""RunScreen: one run, live: status line, config, learning curve, query statistics, cycles."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from palsim.events import plain
from tui.config_panel import ConfigPanel
from tui.curve import LearningCurve, Series
from tui.cycle_progress import CycleProgress
from tui.cycle_table import COLUMNS, CycleTable, cycle_rows
from tui.follow import POLL_SECONDS, ConfigRead, EventsRead, ProgressRead, RunFollower
from tui.query_stats import QueryStats
from tui.run_state import RunState

STATUS_SECONDS = 1.0  # how often the status is re-judged (crashed and stalled depend on time)


class RunScreen(Screen[None]):
    """Everything about one run folder, updated as its events.jsonl grows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Runs"),
        Binding("l", "latest", "Latest cycle"),
        Binding("tab", "app.focus_next", "Focus"),
    ]

    def __init__(self, run_dir: Path, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.poll_seconds = poll_seconds
        self.state = RunState(name=run_dir.name)
        self.selected_cycle: int | None = None  # None: the newest query, as it arrives

    def compose(self) -> ComposeResult:
        yield RunFollower(self.run_dir, self.poll_seconds)
        yield CycleProgress(id="progress")
        yield ConfigPanel(id="config")
        with Horizontal(id="middle"):
            yield LearningCurve(id="curve")
            yield QueryStats(id="stats")
        yield CycleTable(id="cycles")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#curve", LearningCurve).border_title = "test accuracy"
        self.query_one("#cycles", CycleTable).border_title = "cycles"
        self.query_one("#cycles", CycleTable).focus()
        self.set_interval(STATUS_SECONDS, self.show_status)
        self.show_all()

    def on_config_read(self, message: ConfigRead) -> None:
        message.stop()
        # run_started carries the same config; whatever it already set wins.
        self.state.config = {**message.config, **self.state.config}
        self.show_all()

    def on_events_read(self, message: EventsRead) -> None:
        message.stop()
        self.state = self.state.fold(
            message.events, message.partial_tail, message.mtime, message.reset, message.writer
        )
        self.show_all()

    def on_progress_read(self, message: ProgressRead) -> None:
        message.stop()
        self.state.apply(message.event)
        self.query_one("#progress", CycleProgress).progress = self.state.progress

    def on_cycle_table_cycle_selected(self, message: CycleTable.CycleSelected) -> None:
        self.selected_cycle = None if message.following else message.cycle
        self.show_query()

    def show_all(self) -> None:
        state = self.state
        self.query_one("#config", ConfigPanel).config = dict(state.config)
        curve = self.query_one("#curve", LearningCurve)
        curve.border_title = state.score_name
        curve.series = (Series(self.run_name(), state.curve_points()),)
        cycles = self.query_one("#cycles", CycleTable)
        cycles.score_label = "mIoU %" if state.task == "segmentation" else COLUMNS[2]
        cycles.rows_data = cycle_rows(state)
        self.query_one("#stats", QueryStats).class_names = tuple(state.class_names)
        self.query_one("#progress", CycleProgress).progress = state.progress
        self.show_status()
        self.show_query()

    def show_status(self) -> None:
        line = self.query_one("#progress", CycleProgress)
        line.run_name = self.run_name()
        line.status = self.state.status(time.time())
        line.error = self.state.error

    def show_query(self) -> None:
        """The selected cycle's query; while the table follows the run, the newest query.

        A running cycle has no query until its end, so following the newest cycle itself
        would leave the panel blank for most of the run.
        """
        stats = self.query_one("#stats", QueryStats)
        cycle = self.selected_cycle
        if cycle is None:
            cycle = self.state.latest_query_cycle
        stats.cycle = cycle
        stats.cycle_query = None if cycle is None else self.state.queries.get(cycle)
        stats.record = self.state.records.get(cycle) if cycle is not None else None

    def run_name(self) -> str:
        return plain(self.state.config.get("name") or self.run_dir.name)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 2  # only when opened from the runs list
        return True

    def action_latest(self) -> None:
        table = self.query_one("#cycles", CycleTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

"""RunsScreen: every run in a folder; open one, or mark several to overlay their curves."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from tui.curve import LearningCurve, Series
from tui.cycle_progress import STATUS_STYLES
from tui.run_screen import RunScreen
from tui.runs_scanner import SCAN_SECONDS, RunRow, RunsScanned, RunsScanner
from tui.runs_table import RunsTable

COLUMNS = ("", "name", "strategy", "oracle", "status", "cycle", "acc %")
MARK = "✔"


def row_cells(row: RunRow, marked: bool) -> tuple[str | Text, ...]:
    return (
        MARK if marked else " ",
        row.name,
        row.strategy,
        row.oracle,
        Text(row.status, style=STATUS_STYLES.get(row.status, "")),
        "…" if row.cycle is None else str(row.cycle),
        "…" if row.accuracy is None else f"{row.accuracy:.2%}".rstrip("%"),
    )


class RunsScreen(Screen[None]):
    """The runs of a folder, refreshed as runs appear and progress."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark"),
        Binding("c", "clear_marks", "Clear marks"),
    ]

    def __init__(self, root: Path, poll_seconds: float = SCAN_SECONDS) -> None:
        super().__init__()
        self.root = root
        self.scan_seconds = poll_seconds
        self.rows: dict[str, RunRow] = {}
        self.marked: set[str] = set()

    def compose(self) -> ComposeResult:
        yield RunsScanner(self.root, self.scan_seconds)
        yield RunsTable(id="runs")
        yield LearningCurve(id="overlay")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        table.border_title = f"runs in {self.root.name or self.root}"
        for label in COLUMNS:
            table.add_column(label, key=label or "mark")
        table.focus()
        self.show_overlay()

    def on_runs_scanned(self, message: RunsScanned) -> None:
        message.stop()
        table = self.query_one("#runs", DataTable)
        for row in message.rows:
            key = str(row.path)
            cells = row_cells(row, key in self.marked)
            if key not in self.rows:
                table.add_row(*cells, key=key)
            elif self.rows[key] != row:
                self._update_cells(key, cells)
            self.rows[key] = row
        for key in set(self.rows) - {str(row.path) for row in message.rows}:
            table.remove_row(key)
            del self.rows[key]
            self.marked.discard(key)
        self.show_overlay()

    def _update_cells(self, key: str, cells: tuple[str | Text, ...]) -> None:
        table = self.query_one("#runs", DataTable)
        for label, cell in zip(COLUMNS, cells, strict=True):
            table.update_cell(key, label or "mark", cell)

    def cursor_key(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_overlay()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        key = self.cursor_key()
        if key is not None:
            self.app.push_screen(RunScreen(Path(key)))

    def action_mark(self) -> None:
        key = self.cursor_key()
        if key is None:
            return
        self.marked ^= {key}
        self._update_cells(key, row_cells(self.rows[key], key in self.marked))
        self.show_overlay()

    def action_clear_marks(self) -> None:
        for key in self.marked & set(self.rows):
            self._update_cells(key, row_cells(self.rows[key], False))
        self.marked.clear()
        self.show_overlay()

    def show_overlay(self) -> None:
        """The marked runs' curves, or the highlighted run's while none is marked."""
        keys = [k for k in self.rows if k in self.marked]
        cursor = self.cursor_key()
        if not keys and cursor is not None and cursor in self.rows:
            keys = [cursor]
        curve = self.query_one("#overlay", LearningCurve)
        curve.border_title = "marked runs" if self.marked else "highlighted run"
        curve.series = tuple(Series(self.rows[k].name, self.rows[k].points) for k in keys)

"""RunsScreen: every run in a folder; open one, or mark several to overlay their curves."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from palsim.events import plain
from tui.curve import LearningCurve, Series
from tui.run_screen import RunScreen
from tui.runs_columns import COLUMNS, LongColumns, fit_columns, row_cells
from tui.runs_scanner import SCAN_SECONDS, RunRow, RunsScanned, RunsScanner
from tui.runs_table import RunsTable


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
        self.widths = LongColumns()  # how much of the long names and oracles is shown

    def compose(self) -> ComposeResult:
        yield RunsScanner(self.root, self.scan_seconds)
        yield RunsTable(id="runs")
        yield LearningCurve(id="overlay")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        table.border_title = Text(f"runs in {plain(self.root.name or self.root)}")
        for label in COLUMNS:
            table.add_column(label, key=label or "mark")
        table.focus()
        self.show_overlay()

    def on_runs_scanned(self, message: RunsScanned) -> None:
        message.stop()
        table = self.query_one("#runs", DataTable)
        previous = self.rows
        self.rows = {str(row.path): row for row in message.rows}
        for key in set(previous) - set(self.rows):
            table.remove_row(key)
            self.marked.discard(key)
        refit = self.refit_columns()
        for key, row in self.rows.items():
            if key not in previous:
                table.add_row(*row_cells(row, key in self.marked, self.widths), key=key)
            elif refit or previous[key] != row:
                self._update_cells(key, row_cells(row, key in self.marked, self.widths))
        self.show_overlay()

    def on_resize(self) -> None:
        # Once the new size is in effect.
        self.call_after_refresh(self.fit_columns)

    def refit_columns(self) -> bool:
        """Size the long columns to the table's width; True when they changed."""
        table = self.query_one("#runs", DataTable)
        if table.content_region.width <= 0:
            return False  # not laid out yet
        # Room for a vertical scrollbar is kept, as one appears without a resize.
        inner = table.content_region.width - table.styles.scrollbar_size_vertical
        widths = fit_columns(list(self.rows.values()), inner, table.cell_padding)
        changed, self.widths = widths != self.widths, widths
        return changed

    def fit_columns(self) -> None:
        """Shorten (or restore) the shown names and oracles after a resize."""
        if self.refit_columns():
            for key, row in self.rows.items():
                self._update_cells(key, row_cells(row, key in self.marked, self.widths))

    def _update_cells(self, key: str, cells: tuple[str | Text, ...]) -> None:
        table = self.query_one("#runs", DataTable)
        for label, cell in zip(COLUMNS, cells, strict=True):
            # update_width: a column also shrinks when its longest cell gets shorter.
            table.update_cell(key, label or "mark", cell, update_width=True)

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
        self._update_cells(key, row_cells(self.rows[key], key in self.marked, self.widths))
        self.show_overlay()

    def action_clear_marks(self) -> None:
        for key in self.marked & set(self.rows):
            self._update_cells(key, row_cells(self.rows[key], False, self.widths))
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

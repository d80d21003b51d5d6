"""CycleTable: one row per cycle (labeled, accuracy, label noise, query answers, times)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from palsim.events import plain
from tui.run_state import RunState

COLUMNS = ("cycle", "labeled", "acc %", "noisy", "noise %", "wrong/asked", "train s", "query s")
MISSING = "…"  # not known yet: the cycle is still running
NONE = "-"


@dataclass(frozen=True)
class CycleRow:
    """The cells of one cycle, already formatted."""

    cycle: int
    cells: tuple[str, ...]


def cycle_rows(state: RunState) -> tuple[CycleRow, ...]:
    """A row for every cycle that started, finished or was evaluated."""
    cycles = sorted(set(state.started) | set(state.records) | set(state.evaluated))
    return tuple(_row(state, cycle) for cycle in cycles)


def _row(state: RunState, cycle: int) -> CycleRow:
    record: dict[str, Any] = dict(state.records.get(cycle, {}))
    if state.score_key not in record and cycle in state.evaluated:
        record["labeled"], record[state.score_key] = state.evaluated[cycle]
    record.setdefault("labeled", state.started.get(cycle))
    query = state.queries.get(cycle)
    if query is not None and "queried" not in record:
        record["queried"], record["query_noisy"] = query.size, query.wrong
    asked = MISSING
    if record.get("queried") == 0:
        asked = NONE  # the last cycle queries nothing
    elif record.get("queried") is not None and record.get("query_noisy") is not None:
        asked = plain(f"{record['query_noisy']}/{record['queried']}")[:20]
    cells = (
        str(cycle),
        _fmt(record.get("labeled"), "{:d}"),
        _fmt(record.get(state.score_key), "{:.2%}", strip="%"),
        _fmt(record.get("noisy_labels"), "{:d}"),
        _fmt(record.get("noise_rate"), "{:.1%}", strip="%"),
        asked,
        _fmt(record.get("train_seconds"), "{:.1f}"),
        _fmt(record.get("query_seconds"), "{:.1f}"),
    )
    return CycleRow(cycle, cells)


def _fmt(value: Any, form: str, strip: str = "") -> str:
    if value is None:
        return MISSING
    try:
        return form.format(value).rstrip(strip)
    except (TypeError, ValueError):
        return plain(value)[:20]  # a record from a hostile folder: shown, briefly, as text


class CycleTable(DataTable[Text]):
    """Per-cycle table; the highlighted row selects the cycle the query statistics show."""

    rows_data: reactive[tuple[CycleRow, ...]] = reactive(())
    # Header of the metric column: "mIoU %" for a segmentation run.
    score_label: reactive[str] = reactive(COLUMNS[2])

    @dataclass
    class CycleSelected(Message):
        """The cursor moved to another cycle."""

        cycle: int
        following: bool  # the cursor follows the newest cycle (the user has not moved it away)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.follow_latest = True  # until the user moves the cursor, keep it on the newest cycle

    def on_mount(self) -> None:
        for label in COLUMNS:
            self.add_column(label, key=label)

    def watch_score_label(self, label: str) -> None:
        column = self.columns.get(ColumnKey(COLUMNS[2]))
        if column is not None:
            column.label = Text(label)
            column.content_width = max(column.content_width, len(label))
            self.refresh()

    def watch_rows_data(self, old: tuple[CycleRow, ...], new: tuple[CycleRow, ...]) -> None:
        known = {row.cycle: row for row in old}
        for row in new:
            # Text cells: a DataTable would read a str cell as markup.
            if row.cycle not in known:
                self.add_row(*map(Text, row.cells), key=str(row.cycle))
            elif known[row.cycle] != row:
                for label, cell in zip(COLUMNS, row.cells, strict=True):
                    self.update_cell(str(row.cycle), label, Text(cell))
        if self.follow_latest and new:
            self.move_cursor(row=len(new) - 1)

    def on_resize(self) -> None:
        # The table shrinks when the config panel above it grows: keep the cursor in view,
        # once the new size is in effect.
        self.call_after_refresh(self._keep_cursor_in_view)

    def _keep_cursor_in_view(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.cursor_row)  # same row; move_cursor scrolls to it

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        # Read the cursor now, not the event: a queued event of an automatic move may
        # arrive after the user has already moved on.
        if not self.row_count:
            return
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        if key is None:
            return
        # Automatic moves always land on the last row, so this only turns off for the user.
        self.follow_latest = self.cursor_row == self.row_count - 1
        self.post_message(self.CycleSelected(int(key), self.follow_latest))

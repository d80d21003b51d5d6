"""RunsTable: the table of runs, with Enter shown in the footer as opening a run."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class RunsTable(DataTable[Any]):
    """A row-cursor table whose Enter (select) opens the highlighted run."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

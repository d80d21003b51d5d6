"""The runs list's columns and how wide the long ones may be, so that a row fits the screen.

Run names are long (``dataset-strategy-oracle-s<seed>-<time>``) and oracle specs can be
(``annotators:3:0.1-0.5:vote=3``, a matrix file's path). At 80 columns the name gives way
first, down to :data:`MIN_NAME_WIDTH`, then the oracle, down to :data:`MIN_ORACLE_WIDTH`;
both lose their middle, so strategy, status and accuracy always stay whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from palsim.events import plain
from tui.cycle_progress import STATUS_STYLES
from tui.fit import middle_ellipsis
from tui.runs_scanner import RunRow

COLUMNS = ("", "name", "strategy", "oracle", "status", "cycle", "acc %")
NAME, ORACLE = COLUMNS.index("name"), COLUMNS.index("oracle")
MARK = "✔"
MIN_NAME_WIDTH = 12  # enough for the end of a name: seed and time
MIN_ORACLE_WIDTH = 16  # enough for a spec's end: its rates and vote
UNLIMITED = 10_000


@dataclass(frozen=True)
class LongColumns:
    """The most characters the name and oracle cells may show."""

    name: int = UNLIMITED
    oracle: int = UNLIMITED


def row_cells(row: RunRow, marked: bool, widths: LongColumns) -> tuple[str | Text, ...]:
    """Text cells: a DataTable reads a str cell as markup, and names come from run folders."""
    return (
        MARK if marked else " ",
        Text(middle_ellipsis(plain(row.name), widths.name)),
        Text(plain(row.strategy)),
        Text(middle_ellipsis(plain(row.oracle), widths.oracle)),
        Text(plain(row.status), style=STATUS_STYLES.get(row.status, "")),
        "…" if row.cycle is None else str(row.cycle),
        "…" if row.accuracy is None else f"{row.accuracy:.2%}".rstrip("%"),
    )


def fit_columns(rows: list[RunRow], width: int, cell_padding: int) -> LongColumns:
    """The widths of the long columns for a table ``width`` cells wide inside its border."""
    cells = [row_cells(row, True, LongColumns()) for row in rows]
    content = [
        max([cell_len(label), *(_cell_width(row[i]) for row in cells)])
        for i, label in enumerate(COLUMNS)
    ]
    spare = width - sum(content) - 2 * cell_padding * len(COLUMNS)
    if spare >= 0:
        return LongColumns()
    # 1. The name gives way, down to its minimum.
    name = max(min(content[NAME], MIN_NAME_WIDTH), content[NAME] + spare)
    spare += content[NAME] - name
    # 2. Then the oracle; what still does not fit is left to the table's scrolling.
    oracle = max(min(content[ORACLE], MIN_ORACLE_WIDTH), content[ORACLE] + min(spare, 0))
    return LongColumns(name, oracle)


def _cell_width(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)

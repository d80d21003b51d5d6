"""Print report tables with Rich, readable at 80 columns.

The oracle is the point of a noise study, so it is never cut or wrapped: a dataset shared by
every row moves into the title, and a table still wider than the terminal is printed as one
table per dataset and oracle, each named in its title. Numbers and names are never shortened;
only the settings column (free text) may wrap. On a file or a pipe the width is 200 columns
(or ``$COLUMNS``), so each row stays on one line.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from palsim.report.rows import TextTable

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod
    from rich.table import Table

#: Columns that may be lifted into a table's title, widest tables first.
LIFTED = ("dataset", "oracle")


def rich_table(table: TextTable) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # Text, never markup strings: the cells and titles hold names from run folders.
    rich = Table(title=Text(table.title), box=box.SIMPLE_HEAD, pad_edge=False)
    for index, name in enumerate(table.header):
        widest = max([len(name), *(len(row[index]) for row in table.rows)])
        if name == "settings":
            rich.add_column(name)  # the one column that may wrap (at ", ")
        else:
            number = index >= table.left
            justify: JustifyMethod = "right" if number else "left"
            rich.add_column(name, justify=justify, no_wrap=True, min_width=widest)
    for row in table.rows:
        rich.add_row(*map(Text, row))
    return rich


def split_by(table: TextTable, names: tuple[str, ...]) -> list[TextTable]:
    """One table per value of the named columns, each with those columns in its title."""
    indices = [table.header.index(name) for name in names if name in table.header]
    parts: dict[tuple[str, ...], list[list[str]]] = {}
    for row in table.rows:
        parts.setdefault(tuple(row[index] for index in indices), []).append(row)
    return [
        TextTable(table.title, table.header, rows, table.left).without_constant_columns(names)
        for rows in parts.values()
    ]


def fitted(table: TextTable, console: Console) -> list[TextTable]:
    """The table, or per-oracle tables when it is wider than the console."""
    whole = table.without_constant_columns(("dataset",))
    unlimited = console.options.update_width(10_000)
    if console.measure(rich_table(whole), options=unlimited).maximum <= console.width:
        return [whole]
    return split_by(table, LIFTED)


def print_tables(tables: list[TextTable]) -> None:
    """Each table on stdout, as wide as the terminal allows."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 200  # a file or a pipe: one line per row, never wrapped cells
    for table in tables:
        for part in fitted(table, console):
            console.print(rich_table(part))

"""Render a report: a Rich table for people, or CSV, JSON and Markdown for scripts and papers.

CSV is long-form, one row per (group, cycle), with the group's AUBC, final accuracy and noise
rate repeated on each row, so that pandas or a spreadsheet reads it without reshaping.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from palsim.report.aggregate import GroupStats, Spread, group_dict

FORMATS = ("table", "csv", "json", "markdown")

CSV_COLUMNS = [
    "dataset", "oracle", "strategy", "runs", "cycle", "labeled", "accuracy_mean",
    "accuracy_std", "accuracy_sem", "aubc_mean", "aubc_std", "final_accuracy_mean",
    "final_accuracy_std", "noise_rate",
]  # fmt: skip


def plus_minus(spread: Spread) -> str:
    return f"{spread.mean:.4f} ± {spread.std:.4f}"


def noise_text(group: GroupStats) -> str:
    return "-" if group.noise_rate is None else f"{group.noise_rate:.3f}"


def summary_rows(groups: list[GroupStats]) -> list[list[str]]:
    """dataset, oracle, strategy, runs, final accuracy, AUBC, realised noise: one row a group."""
    return [
        [*group.key, str(group.runs), plus_minus(group.final_accuracy), plus_minus(group.aubc),
         noise_text(group)]
        for group in groups
    ]  # fmt: skip


def cycle_rows(groups: list[GroupStats]) -> list[list[str]]:
    """dataset, oracle, strategy, cycle, labeled, accuracy mean ± std, standard error."""
    return [
        [*group.key, str(cycle), str(labeled), plus_minus(spread), f"{spread.sem:.4f}"]
        for group in groups
        for cycle, (labeled, spread) in enumerate(zip(group.labeled, group.accuracy, strict=True))
    ]


SUMMARY_HEADER = ["dataset", "oracle", "strategy", "runs", "final accuracy", "AUBC", "noise"]
CYCLE_HEADER = ["dataset", "oracle", "strategy", "cycle", "labeled", "accuracy", "s.e."]


def to_csv(groups: list[GroupStats]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in groups:
        for cycle, (labeled, spread) in enumerate(zip(group.labeled, group.accuracy, strict=True)):
            writer.writerow([
                *group.key, group.runs, cycle, labeled, spread.mean, spread.std, spread.sem,
                group.aubc.mean, group.aubc.std, group.final_accuracy.mean,
                group.final_accuracy.std, "" if group.noise_rate is None else group.noise_rate,
            ])  # fmt: skip
    return buffer.getvalue()


def to_json(groups: list[GroupStats], skipped: list[tuple[Path, str]]) -> str:
    value = {
        "groups": [group_dict(group) for group in groups],
        "skipped": [{"directory": str(path), "reason": reason} for path, reason in skipped],
    }
    return json.dumps(value, indent=1)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(groups: list[GroupStats]) -> str:
    return (
        markdown_table(SUMMARY_HEADER, summary_rows(groups))
        + "\n\nTest accuracy per cycle (mean ± std over runs, standard error):\n\n"
        + markdown_table(CYCLE_HEADER, cycle_rows(groups))
        + "\n"
    )


def print_tables(groups: list[GroupStats]) -> None:
    """Two Rich tables on stdout: one row per group, then one row per group and cycle."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 200  # a file or a pipe: one line per row, never wrapped cells
    for title, header, rows in (
        ("Runs by dataset, oracle and strategy (mean ± std)", SUMMARY_HEADER,
         summary_rows(groups)),
        ("Test accuracy per cycle", CYCLE_HEADER, cycle_rows(groups)),
    ):  # fmt: skip
        table = Table(title=title)
        for name in header:
            left = name in header[:3]
            table.add_column(name, justify="left" if left else "right", no_wrap=not left)
        for row in rows:
            table.add_row(*row)
        console.print(table)


def render(groups: list[GroupStats], skipped: list[tuple[Path, str]], fmt: str) -> str | None:
    """The report as text in ``fmt``; None for ``table``, which prints itself."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if fmt == "table":
        print_tables(groups)
        return None
    if fmt == "csv":
        return to_csv(groups)
    if fmt == "json":
        return to_json(groups, skipped)
    return to_markdown(groups)

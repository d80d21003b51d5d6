"""Render a report: a Rich table for people, or CSV, JSON and Markdown for scripts and papers.

Every number is of the report's metric (test accuracy, mIoU or pixel accuracy), named in
every title, header and CSV column (``accuracy_mean``, ``miou_mean``, ...) and in the JSON.
CSV is long-form, one row per (group, cycle), with the group's AUBC, final value and noise
rate repeated on each row, so that pandas or a spreadsheet reads it without reshaping; with
``--baseline`` each row also carries the paired difference to the baseline and its 95%
confidence interval. ``--per-run`` writes one row per run and cycle instead
(:mod:`~palsim.report.per_run`). Numbers are written at full precision, never rounded.

Names come from run folders, which are untrusted: every text cell passes through
:func:`palsim.events.plain` (no escape sequences), terminal tables are Rich ``Text`` (no
markup) and Markdown cells escape ``|``. JSON escapes control characters by itself.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from palsim.report.aggregate import GroupStats, Spread, metric_of, settings_text
from palsim.report.diagnostics import group_diagnostics
from palsim.report.metrics import Metric
from palsim.report.paired import Comparison, Paired
from palsim.report.per_run import csv_text
from palsim.report.rows import STD_NOTE, TextTable, report_tables

FORMATS = ("table", "csv", "json", "markdown")


def csv_columns(metric: Metric) -> list[str]:
    """The CSV header; ``accuracy_mean`` ... for test accuracy, ``miou_mean`` ... for mIoU."""
    stem = metric.column
    return [
        *("dataset", "oracle", "strategy", "settings", "runs", "cycle", "labeled"),
        *(f"{stem}_mean", f"{stem}_std", f"{stem}_sem", "aubc_mean", "aubc_std"),
        *(f"final_{stem}_mean", f"final_{stem}_std", "noise_rate"),
    ]


def paired_csv_columns(metric: Metric) -> list[str]:
    """The paired columns that ``--baseline`` adds to the CSV header."""
    stem = metric.column
    return [
        *("baseline", "pairs", f"{stem}_diff_mean", f"{stem}_diff_ci95_low"),
        *(f"{stem}_diff_ci95_high", "aubc_diff_mean", "aubc_diff_ci95_low", "aubc_diff_ci95_high"),
    ]


def blank_if_none(value: float | None) -> float | str:
    return "" if value is None else value


def paired_cells(comparison: Comparison | None, cycle: int) -> list[Any]:
    """The paired columns of one CSV row: blank for the baseline itself and unpaired groups."""
    if comparison is None:
        return [""] * 8
    if comparison.aubc is None:
        return [comparison.baseline, 0, *[""] * 6]
    at, total = comparison.cycles[cycle], comparison.aubc
    return [
        comparison.baseline,
        at.n,
        at.mean,
        blank_if_none(at.low),
        blank_if_none(at.high),
        total.mean,
        blank_if_none(total.low),
        blank_if_none(total.high),
    ]


def to_csv(groups: list[GroupStats], comparisons: list[Comparison] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    metric = metric_of(groups)
    paired = paired_csv_columns(metric) if comparisons is not None else []
    writer.writerow(csv_columns(metric) + paired)
    compared = {id(c.group): c for c in comparisons or []}
    for group in groups:
        for cycle, (labeled, spread) in enumerate(zip(group.labeled, group.values, strict=True)):
            row = [
                *map(csv_text, group.key),
                csv_text(settings_text(group.settings)),
                group.runs,
                cycle,
                labeled,
                spread.mean,
                spread.std,
                spread.sem,
                group.aubc.mean,
                group.aubc.std,
                group.final.mean,
                group.final.std,
                blank_if_none(group.noise_rate),
            ]
            if comparisons is not None:
                row += paired_cells(compared.get(id(group)), cycle)
            writer.writerow(row)
    return buffer.getvalue()


def spread_dict(spread: Spread) -> dict[str, Any]:
    return {"mean": spread.mean, "std": spread.std, "sem": spread.sem}


def paired_dict(paired: Paired) -> dict[str, Any]:
    return {"mean": paired.mean, "ci95_low": paired.low, "ci95_high": paired.high, "n": paired.n}


def group_dict(group: GroupStats) -> dict[str, Any]:
    """A JSON-ready form of a group."""
    dataset, oracle, strategy = group.key
    cycles = [
        {"cycle": cycle, "labeled": labeled, **spread_dict(spread)}
        for cycle, (labeled, spread) in enumerate(zip(group.labeled, group.values, strict=True))
    ]
    value = {
        "dataset": dataset,
        "oracle": oracle,
        "strategy": strategy,
        "settings": group.settings,
        "config": group.identity,
        "runs": group.runs,
        "seeds": group.seeds,
        f"final_{group.metric.column}": spread_dict(group.final),
        "aubc": spread_dict(group.aubc),
        "noise_rate": group.noise_rate,
        "cycles": cycles,
        "directories": group.directories,
    }
    if group.iou_per_class is not None:
        value["iou_per_class_last_cycle"] = group.iou_per_class  # mean over the runs
        value["class_names"] = group.class_names
    return value


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    dataset, oracle, strategy = comparison.group.key
    return {
        "dataset": dataset,
        "oracle": oracle,
        "strategy": strategy,
        "settings": comparison.group.settings,
        "seeds": comparison.seeds,
        "aubc": paired_dict(comparison.aubc) if comparison.aubc else None,
        "cycles": [
            {"cycle": cycle, "labeled": labeled, **paired_dict(paired)}
            for cycle, (labeled, paired) in enumerate(
                zip(comparison.group.labeled, comparison.cycles, strict=False)
            )
        ],
        "reason": comparison.reason,
    }


def diagnostics_list(group: GroupStats) -> list[dict[str, Any]]:
    return [
        {
            "cycle": cycle.cycle,
            "labeled": cycle.labeled,
            "values": {key: spread_dict(spread) for key, spread in cycle.values.items()},
            "runs": cycle.runs,
            "warnings": cycle.warnings,
        }
        for cycle in group_diagnostics(group)
    ]


def to_json(
    groups: list[GroupStats],
    skipped: list[tuple[Path, str]],
    comparisons: list[Comparison] | None = None,
    diagnostics: bool = False,
) -> str:
    listed = []
    for group in groups:
        entry = group_dict(group)
        if diagnostics:
            entry["diagnostics"] = diagnostics_list(group)
        listed.append(entry)
    value: dict[str, Any] = {
        "metric": metric_of(groups).as_dict(),
        "statistics": f"{STD_NOTE}; sem = std / sqrt(n)",
        "groups": listed,
        "skipped": [{"directory": str(path), "reason": reason} for path, reason in skipped],
    }
    if comparisons is not None:
        value["paired"] = {
            "baseline": comparisons[0].baseline if comparisons else None,
            "statistics": f"mean of (strategy - baseline) in {metric_of(groups).label} over "
            "runs of the same seeds; ci95: 95% confidence interval, t-distribution with n - 1 dof",
            "comparisons": [comparison_dict(comparison) for comparison in comparisons],
        }
    return json.dumps(value, indent=1)


def markdown_cell(text: str) -> str:
    """A cell that cannot end itself early: ``|`` escaped (the text is already plain)."""
    return text.replace("\\", "\\\\").replace("|", "\\|")


def markdown_table(table: TextTable) -> str:
    lines = [f"{markdown_cell(table.title)}:", "", "| " + " | ".join(table.header) + " |"]
    lines += ["|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(map(markdown_cell, row)) + " |" for row in table.rows]
    return "\n".join(lines)


def to_markdown(
    groups: list[GroupStats],
    comparisons: list[Comparison] | None = None,
    diagnostics: bool = False,
) -> str:
    tables = report_tables(groups, comparisons, diagnostics)
    return "\n\n".join(markdown_table(table) for table in tables) + "\n"


def render(
    groups: list[GroupStats],
    skipped: list[tuple[Path, str]],
    fmt: str,
    comparisons: list[Comparison] | None = None,
    diagnostics: bool = False,
) -> str | None:
    """The report as text in ``fmt`` (or ``per-run``: the per-run CSV); None for ``table``,
    which prints itself. ``diagnostics`` adds the diagnostics per cycle (not to CSV: the
    per-run CSV has every diagnostic of every run)."""
    if fmt == "per-run":
        from palsim.report.per_run import to_per_run_csv

        return to_per_run_csv(groups, comparisons)
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if fmt == "table":
        from palsim.report.table import print_tables

        print_tables(report_tables(groups, comparisons, diagnostics))
        return None
    if fmt == "csv":
        return to_csv(groups, comparisons)
    if fmt == "json":
        return to_json(groups, skipped, comparisons, diagnostics)
    return to_markdown(groups, comparisons, diagnostics)


def notes(groups: list[GroupStats], comparisons: list[Comparison] | None) -> list[str]:
    """Lines for stderr: the settings that tell groups apart, groups left without a baseline."""
    lines: list[str] = []
    keys = sorted({key for group in groups for key in group.settings})
    if keys:
        lines.append(f"note: runs differ in {', '.join(keys)}; each setting is reported apart")
    if comparisons == []:
        lines.append("note: every group uses the baseline strategy; nothing to pair")
    for comparison in comparisons or []:
        if comparison.reason:
            name = " ".join(comparison.group.key)
            if comparison.group.settings:
                name += f" [{settings_text(comparison.group.settings)}]"
            lines.append(f"not compared: {name}: {comparison.reason}")
    return lines

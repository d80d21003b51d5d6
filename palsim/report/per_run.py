"""``palsim report --format csv --per-run``: one row per run and cycle, nothing averaged.

The leading columns name the run and its group; then come the cycle record's own fields as
summary.json holds them (``cycle``, ``labeled``, ``test_accuracy`` or ``test_miou`` and
``test_pixel_accuracy``, ``noise_rate`` and any diagnostics a run records), each written at
the precision it was stored with. A nested object's fields become ``outer.inner`` columns;
lists are left out. With ``--baseline``, each row also gives the run's value of the report's
metric minus that of the baseline run of the same seeds (column ``<metric key>_diff``, e.g.
``test_miou_diff``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from palsim.events import plain
from palsim.report.aggregate import GroupStats, metric_of, settings_text
from palsim.report.paired import Comparison, comparison_cell
from palsim.report.runs import RunResult

RUN_COLUMNS = ["run", "dataset", "oracle", "strategy", "settings", "seed", "noise_seed"]
SCALARS = (str, int, float, bool)


def flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """The record's numbers and texts; a nested object's as ``outer.inner``; lists left out."""
    fields: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, SCALARS):
            fields[prefix + str(key)] = value
        elif isinstance(value, dict):
            fields.update(flat(value, f"{prefix}{key}."))
    return fields


def record_columns(groups: list[GroupStats]) -> list[str]:
    """Every field of the flattened cycle records, in the order first met."""
    columns: dict[str, None] = {}
    for group in groups:
        for run in group.members:
            for record in run.cycles:
                columns.update(dict.fromkeys(flat(record)))
    return [key for key in columns if key not in RUN_COLUMNS]


#: A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> str:
    """Text from a run folder for a CSV cell: plain, and never a spreadsheet formula (a leading
    ``'`` makes ``=HYPERLINK(...)`` in a run name show as text)."""
    text = plain(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def text_cell(value: Any) -> Any:
    """Strings from a run folder as CSV text (:func:`csv_text`); numbers as they are."""
    return csv_text(value) if isinstance(value, str) else value


def to_per_run_csv(groups: list[GroupStats], comparisons: list[Comparison] | None = None) -> str:
    columns = record_columns(groups)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    baseline_columns = ["baseline", f"{metric_of(groups).key}_diff"]
    writer.writerow(RUN_COLUMNS + columns + (baseline_columns if comparisons is not None else []))
    references = baseline_references(groups, comparisons) if comparisons is not None else {}
    for group in groups:
        for run in group.members:
            reference = references.get((comparison_cell(group), run.seeds))
            for cycle, record in enumerate(run.cycles):
                fields = flat(record)
                row = [
                    csv_text(run.directory),
                    *map(csv_text, group.key),
                    csv_text(settings_text(group.settings)),
                    *(("" if seed is None else seed) for seed in run.seeds),
                    *(text_cell(fields.get(column, "")) for column in columns),
                ]
                if comparisons is not None:
                    row += baseline_cells(run, reference, cycle, comparisons)
                writer.writerow(row)
    return buffer.getvalue()


def baseline_references(
    groups: list[GroupStats], comparisons: list[Comparison]
) -> dict[tuple[str, Any], RunResult]:
    """(comparison cell, seeds) -> the baseline run that runs of those seeds are paired with."""
    baseline = comparisons[0].baseline if comparisons else None
    paired_cells = {comparison_cell(c.group) for c in comparisons if c.aubc is not None}
    return {
        (comparison_cell(group), run.seeds): run
        for group in groups
        if group.key[2] == baseline and comparison_cell(group) in paired_cells
        for run in group.members
    }


def baseline_cells(
    run: RunResult, reference: RunResult | None, cycle: int, comparisons: list[Comparison]
) -> list[Any]:
    baseline = comparisons[0].baseline if comparisons else ""
    if reference is None or run.strategy == baseline or reference.labeled != run.labeled:
        return [csv_text(baseline), ""]
    return [csv_text(baseline), run.values[cycle] - reference.values[cycle]]

"""``palsim report --format csv --per-run``: one row per run and cycle, nothing averaged.

The leading columns name the run and its group; then come the cycle record's own fields as
summary.json holds them (``cycle``, ``labeled``, ``test_accuracy``, ``noise_rate`` and any
diagnostics a run records), each written at the precision it was stored with. Fields that
are not numbers or text (nested objects) are left out. With ``--baseline``, each row also
gives the run's accuracy minus that of the baseline run of the same seeds and configuration.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from palsim.report.aggregate import GroupStats, settings_text
from palsim.report.paired import Comparison, comparison_cell
from palsim.report.runs import RunResult

RUN_COLUMNS = ["run", "dataset", "oracle", "strategy", "settings", "seed", "noise_seed"]
BASELINE_COLUMNS = ["baseline", "test_accuracy_diff"]
SCALARS = (str, int, float, bool)


def record_columns(groups: list[GroupStats]) -> list[str]:
    """Every scalar field of the cycle records, in the order first met."""
    columns: dict[str, None] = {}
    for group in groups:
        for run in group.members:
            for record in run.cycles:
                columns.update(
                    {key: None for key, value in record.items() if isinstance(value, SCALARS)}
                )
    return [key for key in columns if key not in RUN_COLUMNS]


def to_per_run_csv(groups: list[GroupStats], comparisons: list[Comparison] | None = None) -> str:
    columns = record_columns(groups)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RUN_COLUMNS + columns + (BASELINE_COLUMNS if comparisons is not None else []))
    references = baseline_references(groups, comparisons) if comparisons is not None else {}
    for group in groups:
        for run in group.members:
            reference = references.get((comparison_cell(group), run.seeds))
            for cycle, record in enumerate(run.cycles):
                row = [
                    str(run.directory), *group.key, settings_text(group.settings),
                    *(("" if seed is None else seed) for seed in run.seeds),
                    *(cell(record.get(column)) for column in columns),
                ]  # fmt: skip
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
        return [baseline, ""]
    return [baseline, run.accuracy[cycle] - reference.accuracy[cycle]]


def cell(value: Any) -> Any:
    return value if isinstance(value, SCALARS) else ""

"""The report as rows of text, shared by the terminal table and the Markdown tables.

Each table is a :class:`TextTable`: a title that says what every ± means, a header and rows.
Columns that hold the same value in every row of a report (the dataset, usually) can be
lifted into the title, so that a terminal table keeps the oracle column whole at 80 columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from palsim.events import plain
from palsim.report.aggregate import MISSING, GroupStats, Spread, metric_of, settings_text
from palsim.report.diagnostics import group_diagnostics
from palsim.report.paired import INTERVAL_NOTE, Comparison, Paired

STD_NOTE = "mean ± std over seeds, std n - 1"


@dataclass
class TextTable:
    title: str
    header: list[str]
    rows: list[list[str]]
    left: int  # how many leading columns are names (left-aligned, the rest are numbers)

    def without_constant_columns(self, names: tuple[str, ...]) -> TextTable:
        """Move the named columns whose value is one and the same in every row into the title."""
        lifted = [
            index
            for index, name in enumerate(self.header)
            if name in names and self.rows and len({row[index] for row in self.rows}) == 1
        ]
        if not lifted:
            return self
        keep = [index for index in range(len(self.header)) if index not in lifted]
        values = ", ".join(self.rows[0][index] for index in lifted)
        return TextTable(
            f"{values}: {self.title}",
            [self.header[index] for index in keep],
            [[row[index] for index in keep] for row in self.rows],
            self.left - len(lifted),
        )


def plus_minus(spread: Spread) -> str:
    return f"{spread.mean:.4f} ± {spread.std:.4f}"


def difference(paired: Paired | None) -> str:
    """``+0.0123 ± 0.0163`` (95% CI half-width), or ``+0.0123 (1 pair)`` without an interval."""
    if paired is None:
        return "-"
    if paired.half_width is None:
        return f"{paired.mean:+.4f} (1 pair)"
    return f"{paired.mean:+.4f} ± {paired.half_width:.4f}"


def noise_text(group: GroupStats) -> str:
    return "-" if group.noise_rate is None else f"{group.noise_rate:.3f}"


def names(group: GroupStats, with_settings: bool) -> list[str]:
    """dataset, oracle, strategy (and the settings that tell groups apart, when any differ)."""
    # Plain text: the names come from run folders (see palsim.events.plain).
    cells = [*group.key, settings_text(group.settings)] if with_settings else [*group.key]
    return [plain(cell) for cell in cells]


def name_header(with_settings: bool) -> list[str]:
    return ["dataset", "oracle", "strategy", *(["settings"] if with_settings else [])]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary_table(groups: list[GroupStats]) -> TextTable:
    """One row a group: runs, final value of the metric, its AUBC, realised noise."""
    metric = metric_of(groups)
    with_settings = any(group.settings for group in groups)
    rows = [
        [
            *names(group, with_settings),
            str(group.runs),
            plus_minus(group.final),
            plus_minus(group.aubc),
            noise_text(group),
        ]
        for group in groups
    ]
    header = [*name_header(with_settings), "runs", f"final {metric.short}", "AUBC", "noise"]
    title = f"Runs by configuration, {metric.label} ({STD_NOTE})"
    return TextTable(title, header, rows, len(header) - 4)


def cycle_table(groups: list[GroupStats]) -> TextTable:
    """One row a group and cycle: labeled count, the metric's mean ± std, standard error."""
    metric = metric_of(groups)
    with_settings = any(group.settings for group in groups)
    rows = [
        [
            *names(group, with_settings),
            str(cycle),
            str(labeled),
            plus_minus(spread),
            f"{spread.sem:.4f}",
        ]
        for group in groups
        for cycle, (labeled, spread) in enumerate(zip(group.labeled, group.values, strict=True))
    ]
    header = [*name_header(with_settings), "cycle", "labeled", metric.short, "s.e."]
    title = f"{capitalised(metric.label)} per cycle ({STD_NOTE}; s.e. = std / sqrt(n))"
    return TextTable(title, header, rows, len(header) - 4)


def paired_summary_table(comparisons: list[Comparison]) -> TextTable:
    """One row a compared group: pairs, final-value and AUBC differences to the baseline."""
    metric = metric_of([c.group for c in comparisons])
    with_settings = any(c.group.settings for c in comparisons)
    rows = [
        [
            *names(c.group, with_settings),
            str(len(c.seeds)),
            difference(c.cycles[-1] if c.cycles else None),
            difference(c.aubc),
        ]
        for c in comparisons
    ]
    header = [*name_header(with_settings), "pairs", f"Δ final {metric.short}", "Δ AUBC"]
    baseline = comparisons[0].baseline if comparisons else "the baseline"
    title = f"Paired difference to {baseline} in {metric.label}, same seeds ({INTERVAL_NOTE})"
    return TextTable(title, header, rows, len(header) - 3)


def paired_cycle_table(comparisons: list[Comparison]) -> TextTable:
    """One row a compared group and cycle: the metric's difference to the baseline."""
    metric = metric_of([c.group for c in comparisons])
    with_settings = any(c.group.settings for c in comparisons)
    rows = [
        [*names(c.group, with_settings), str(cycle), str(labeled), difference(paired)]
        for c in comparisons
        for cycle, (labeled, paired) in enumerate(zip(c.group.labeled, c.cycles, strict=False))
    ]
    header = [*name_header(with_settings), "cycle", "labeled", f"Δ {metric.short}"]
    baseline = comparisons[0].baseline if comparisons else "the baseline"
    title = f"{capitalised(metric.label)} minus {baseline}'s per cycle ({INTERVAL_NOTE})"
    return TextTable(title, header, rows, len(header) - 3)


def diagnostics_table(groups: list[GroupStats]) -> TextTable:
    """One row a group, cycle and scalar diagnostic (docs/training.md), then its warnings."""
    with_settings = any(group.settings for group in groups)
    rows = []
    for group in groups:
        for cycle in group_diagnostics(group):
            head = [*names(group, with_settings), str(cycle.cycle), str(cycle.labeled)]
            for key, spread in cycle.values.items():
                rows.append([*head, plain(key), plus_minus(spread), str(cycle.runs[key])])
            rows.append([*head, "warnings", str(cycle.warnings), str(group.runs)])
    header = [*name_header(with_settings), "cycle", "labeled", "diagnostic", "value", "runs"]
    title = f"Diagnostics per cycle ({STD_NOTE}; warnings: the runs' total)"
    return TextTable(title, header, rows, len(header) - 2)


def iou_table(groups: list[GroupStats]) -> TextTable:
    """One row a group and class: the last cycle's IoU, mean over the group's runs."""
    with_settings = any(group.settings for group in groups)
    rows = []
    for group in groups:
        values = group.iou_per_class or []
        labels = group.class_names or [""] * len(values)
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            shown = MISSING if value is None else f"{value:.4f}"
            rows.append([*names(group, with_settings), str(index), plain(label), shown])
    header = [*name_header(with_settings), "class", "name", "IoU"]
    title = (
        f"IoU per class at the last cycle (mean over seeds; {MISSING}: the class is in no "
        "test mask and never predicted)"
    )
    return TextTable(title, header, rows, len(header) - 1)


def report_tables(
    groups: list[GroupStats], comparisons: list[Comparison] | None, diagnostics: bool = False
) -> list[TextTable]:
    """Every table of a report, in the order they are shown."""
    tables = [summary_table(groups), cycle_table(groups)]
    if comparisons:
        tables += [paired_summary_table(comparisons), paired_cycle_table(comparisons)]
    if any(group.iou_per_class for group in groups):
        tables.append(iou_table(groups))
    if diagnostics:
        tables.append(diagnostics_table(groups))
    return tables

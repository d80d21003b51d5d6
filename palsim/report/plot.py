"""Plot a report: learning curves with std bands, the metric against the noise rate, and (with
a baseline) paired differences with 95% confidence bands. Every axis names the report's
metric (test accuracy, test mIoU or test pixel accuracy).

One row of panels per dataset: a learning-curve panel per oracle (one line per group, mean
of the metric over seeds with a band of ± one standard deviation), then a noise-robustness
panel: its final value or AUBC against the oracle's nominal noise rate, one line per strategy
and noise family (``noisy:0 -> noisy:0.1 -> noisy:0.3``; ``pair:0.15`` is another line), error
bars of ± one std. A perfect oracle is rate 0 of every family: it starts each family's line
unless that family has a rate-0 run of its own. A report with no strategy at two rates of
one family has no such panel. Oracles without one rate (matrix files,
annotator pools, replays) appear in the learning curves only. With ``--baseline``, a second
row per dataset shows each strategy's paired difference to the baseline per cycle
with its 95% confidence band. Groups that differ in other settings are separate lines,
labelled with those settings. matplotlib is an optional extra (``pip install palsim[plot]``),
imported only here, with the file-only Agg backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palsim.report.aggregate import GroupStats, Spread, metric_of, settings_text
from palsim.report.metrics import Metric
from palsim.report.paired import Comparison

#: ``--robustness``: what the noise-robustness panel draws of the report's metric.
ROBUSTNESS = {"final": "final {label}", "aubc": "AUBC of {label} (normalised)"}
PLOT_MISSING = "--plot needs matplotlib, which is not installed here: pip install palsim[plot]"
#: Spec names that are one noise model under two names.
FAMILY_ALIASES = {"uniform": "noisy"}
PERFECT = "perfect"


def import_pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ValueError(PLOT_MISSING) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def noise_family(spec: str) -> tuple[str, float] | None:
    """(family, nominal rate) of an oracle spec with one rate: ``pair:0.15`` -> ("pair", 0.15);
    ``perfect`` -> ("perfect", 0.0); None for specs without one rate (files, annotator pools)."""
    name, _, argument = spec.strip().partition(":")
    if name == PERFECT and not argument:
        return PERFECT, 0.0
    try:
        rate = float(argument)
    except ValueError:
        return None
    return (FAMILY_ALIASES.get(name, name), rate) if 0.0 <= rate <= 1.0 else None


def label(group: GroupStats) -> str:
    text = settings_text(group.settings)
    return f"{group.key[2]} [{text}]" if text else group.key[2]


def plot_report(
    groups: list[GroupStats],
    path: Path,
    robustness: str = "final",
    comparisons: list[Comparison] | None = None,
) -> None:
    """Write the figure to ``path`` (the format follows its suffix: .png, .pdf, .svg)."""
    if robustness not in ROBUSTNESS:
        choices = ", ".join(ROBUSTNESS)
        raise ValueError(f"unknown robustness value {robustness!r}; choose one of: {choices}")
    metric = metric_of(groups)
    panel = ROBUSTNESS[robustness].format(label=metric.label)
    plt = import_pyplot()
    datasets = sorted({group.key[0] for group in groups})
    oracles = sorted({group.key[1] for group in groups})
    colours = line_colours(sorted({label(g) for g in groups}), plt)
    rows_per_dataset = 1 if comparisons is None else 2
    with_robustness = has_robustness_line(groups, robustness)
    columns = len(oracles) + (1 if with_robustness else 0)
    figure, axes = plt.subplots(
        rows_per_dataset * len(datasets),
        columns,
        figsize=(4 * columns, 3.4 * rows_per_dataset * len(datasets)),
        squeeze=False,
    )
    for index, dataset in enumerate(datasets):
        row = axes[rows_per_dataset * index]
        mine = [group for group in groups if group.key[0] == dataset]
        for column, oracle in enumerate(oracles):
            draw_curves(row[column], [g for g in mine if g.key[1] == oracle], colours, metric)
            row[column].set_title(
                f"{dataset}, oracle {oracle}\nband: ± 1 std over seeds", fontsize=8
            )
        share_y_range(row[: len(oracles)])
        if with_robustness:
            draw_robustness(row[-1], mine, colours, robustness, panel)
            title = f"{dataset}: {panel} vs noise rate\nbars: ± 1 std over seeds"
            row[-1].set_title(title, fontsize=8)
        if comparisons is not None:
            paired_row = axes[2 * index + 1]
            draw_paired_row(paired_row, dataset, oracles, comparisons, colours, metric)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def line_colours(names: list[str], plt: Any) -> dict[str, str]:
    """One colour per line label: matplotlib's ten defaults, or its 20 colours of ``tab20``
    where there are more labels (ten would repeat: two strategies in one colour)."""
    if len(names) <= 10:
        return {name: f"C{i}" for i, name in enumerate(names)}
    from matplotlib.colors import to_hex

    palette = plt.get_cmap("tab20")
    return {name: to_hex(palette(i % 20)) for i, name in enumerate(names)}


def share_y_range(panels: list[Any]) -> None:
    """One range of the metric for a row's learning-curve panels, so they compare at a glance."""
    limits = [panel.get_ylim() for panel in panels]
    for panel in panels:
        panel.set_ylim(min(low for low, _ in limits), max(high for _, high in limits))


def draw_curves(
    axis: Any, groups: list[GroupStats], colours: dict[str, str], metric: Metric
) -> None:
    """Mean of the metric over the labeled count, with a band of ± one standard deviation."""
    for group in groups:
        mean = [spread.mean for spread in group.values]
        low = [spread.mean - spread.std for spread in group.values]
        high = [spread.mean + spread.std for spread in group.values]
        colour = colours[label(group)]
        axis.plot(
            group.labeled,
            mean,
            marker="o",
            markersize=3,
            color=colour,
            label=f"{label(group)} (n={group.runs})",
        )
        axis.fill_between(group.labeled, low, high, color=colour, alpha=0.2, linewidth=0)
    axis.set_xlabel("labeled samples")
    axis.set_ylabel(metric.label)
    if groups:
        axis.legend(fontsize=7)


Line = tuple[str, str]  # (group label: strategy [settings], noise family)
Points = list[tuple[float, Spread]]  # (nominal noise rate, the metric over seeds)


def robustness_lines(groups: list[GroupStats], robustness: str) -> dict[Line, Points]:
    """(group label, family) -> (nominal rate, final value or AUBC) points by rate; a perfect
    oracle is rate 0 of each family of its label that has no rate-0 point of its own."""
    lines: dict[Line, Points] = {}
    perfect: dict[str, Spread] = {}
    for group in groups:
        family = noise_family(group.key[1])
        value = group.final if robustness == "final" else group.aubc
        if family is not None and family[0] == PERFECT:
            perfect[label(group)] = value
        elif family is not None:
            lines.setdefault((label(group), family[0]), []).append((family[1], value))
    for (name, _), points in lines.items():
        if name in perfect and all(rate > 0 for rate, _ in points):
            points.append((0.0, perfect[name]))
    for name, value in perfect.items():
        if not any(other == name for other, _ in lines):
            lines[(name, PERFECT)] = [(0.0, value)]
    return {line: sorted(points, key=lambda p: p[0]) for line, points in sorted(lines.items())}


def has_robustness_line(groups: list[GroupStats], robustness: str) -> bool:
    """Whether some strategy has two noise rates or more of one family: else the
    noise-robustness panel would hold single points, and the figure leaves it out."""
    return any(len(points) > 1 for points in robustness_lines(groups, robustness).values())


def draw_robustness(
    axis: Any, groups: list[GroupStats], colours: dict[str, str], robustness: str, ylabel: str
) -> None:
    """One line per group label and noise family: ``ylabel`` against the nominal rate."""
    lines = robustness_lines(groups, robustness)
    families = sorted({family for _, family in lines})
    styles = ["-", "--", ":", "-."]
    for (name, family), points in lines.items():
        axis.errorbar(
            [x for x, _ in points],
            [s.mean for _, s in points],
            yerr=[s.std for _, s in points],
            marker="o",
            markersize=3,
            capsize=3,
            color=colours[name],
            label=f"{name}, {family}",
            linestyle=styles[families.index(family) % len(styles)],
        )
    axis.set_xlabel("oracle noise rate (nominal, per family)")
    axis.set_ylabel(ylabel)
    if lines:
        axis.legend(fontsize=7)


def draw_paired_row(
    row: list[Any],
    dataset: str,
    oracles: list[str],
    comparisons: list[Comparison],
    colours: dict[str, str],
    metric: Metric,
) -> None:
    """Per oracle: the metric minus the baseline's, per cycle, with its 95% confidence band."""
    baseline = comparisons[0].baseline if comparisons else "baseline"
    for column, oracle in enumerate(oracles):
        axis = row[column]
        for comparison in comparisons:
            group = comparison.group
            if group.key[:2] != (dataset, oracle) or comparison.aubc is None:
                continue
            mean = [paired.mean for paired in comparison.cycles]
            axis.plot(
                group.labeled,
                mean,
                marker="o",
                markersize=3,
                color=colours[label(group)],
                label=f"{label(group)} (pairs={comparison.aubc.n})",
            )
            if comparison.aubc.n > 1:
                low = [paired.low for paired in comparison.cycles]
                high = [paired.high for paired in comparison.cycles]
                axis.fill_between(
                    group.labeled, low, high, color=colours[label(group)], alpha=0.2, linewidth=0
                )
        axis.axhline(0.0, color="grey", linewidth=0.8)
        axis.set_title(
            f"{dataset}, oracle {oracle}: minus {baseline}, same seeds\n"
            "band: 95% CI (t, n - 1 dof)",
            fontsize=8,
        )
        axis.set_xlabel("labeled samples")
        axis.set_ylabel(f"Δ {metric.label} vs {baseline}")
        if axis.lines[:-1]:
            axis.legend(fontsize=7)
    for axis in row[len(oracles) :]:  # below the robustness panel
        axis.set_visible(False)

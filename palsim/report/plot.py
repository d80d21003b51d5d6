"""Plot a report: learning curves with std bands, and accuracy against the label-noise rate.

One row of panels per dataset: a learning-curve panel per oracle (one line per strategy,
mean test accuracy over runs with a band of one standard deviation), then a noise-robustness
panel (final accuracy or AUBC against the realised noise rate of the final labeled set, one
line per strategy, error bars of one standard deviation). matplotlib is an optional extra
(``pip install palsim[plot]``), imported only here, with the file-only Agg backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palsim.report.aggregate import GroupStats

METRICS = {"final": "final test accuracy", "aubc": "AUBC (normalised)"}
PLOT_MISSING = "--plot needs matplotlib, which is not installed here: pip install palsim[plot]"


def import_pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ValueError(PLOT_MISSING) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_report(groups: list[GroupStats], path: Path, metric: str = "final") -> None:
    """Write the figure to ``path`` (the format follows its suffix: .png, .pdf, .svg)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")
    plt = import_pyplot()
    datasets = sorted({group.key[0] for group in groups})
    oracles = sorted({group.key[1] for group in groups})
    strategies = sorted({group.key[2] for group in groups})
    colours = {name: f"C{i % 10}" for i, name in enumerate(strategies)}
    columns = len(oracles) + 1
    figure, axes = plt.subplots(
        len(datasets), columns, figsize=(4 * columns, 3.4 * len(datasets)), squeeze=False
    )
    for row, dataset in enumerate(datasets):
        mine = [group for group in groups if group.key[0] == dataset]
        for column, oracle in enumerate(oracles):
            draw_curves(axes[row][column], [g for g in mine if g.key[1] == oracle], colours)
            axes[row][column].set_title(f"{dataset}, oracle {oracle}", fontsize=9)
        share_y_range(axes[row][:-1])
        draw_robustness(axes[row][-1], mine, colours, metric)
        axes[row][-1].set_title(f"{dataset}: {METRICS[metric]} vs noise", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def share_y_range(panels: list[Any]) -> None:
    """One accuracy range for a row's learning-curve panels, so they compare at a glance."""
    limits = [panel.get_ylim() for panel in panels]
    for panel in panels:
        panel.set_ylim(min(low for low, _ in limits), max(high for _, high in limits))


def draw_curves(axis: Any, groups: list[GroupStats], colours: dict[str, str]) -> None:
    """Mean test accuracy over the labeled count, with a band of one standard deviation."""
    for group in groups:
        mean = [spread.mean for spread in group.accuracy]
        low = [spread.mean - spread.std for spread in group.accuracy]
        high = [spread.mean + spread.std for spread in group.accuracy]
        colour = colours[group.key[2]]
        axis.plot(group.labeled, mean, marker="o", markersize=3, color=colour,
                  label=f"{group.key[2]} (n={group.runs})")  # fmt: skip
        axis.fill_between(group.labeled, low, high, color=colour, alpha=0.2, linewidth=0)
    axis.set_xlabel("labeled samples")
    axis.set_ylabel("test accuracy")
    if groups:
        axis.legend(fontsize=7)


def draw_robustness(
    axis: Any, groups: list[GroupStats], colours: dict[str, str], metric: str
) -> None:
    """One line per strategy: the metric against the realised noise rate, sorted by noise."""
    for strategy in sorted({group.key[2] for group in groups}):
        mine = [g for g in groups if g.key[2] == strategy and g.noise_rate is not None]
        mine.sort(key=lambda group: group.noise_rate or 0.0)
        points = [(g.noise_rate, g.final_accuracy if metric == "final" else g.aubc) for g in mine]
        if not points:
            continue
        axis.errorbar([x for x, _ in points], [s.mean for _, s in points],
                      yerr=[s.std for _, s in points], marker="o", markersize=3, capsize=3,
                      color=colours[strategy], label=strategy)  # fmt: skip
    axis.set_xlabel("realised label-noise rate")
    axis.set_ylabel(METRICS[metric])
    axis.legend(fontsize=7)

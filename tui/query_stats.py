"""QueryStats: what one cycle's query selected and how the oracle answered it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from palsim.events import plain
from tui.diagnostics_lines import diagnostics_lines
from tui.run_state import CycleQuery

BAR_WIDTH = 7
NAME_WIDTH = 9
SPARK = "▁▂▃▄▅▆▇█"
TRUE_STYLE = "bright_cyan"
ORACLE_STYLE = "bright_yellow"


def bar(count: int, largest: int, width: int = BAR_WIDTH) -> str:
    """A bar of full blocks, at least one block for any non-zero count."""
    if count <= 0 or largest <= 0:
        return ""
    return "█" * max(1, round(count / largest * width))


def sparkline(counts: list[int]) -> str:
    """One character per histogram bin; a blank bin stays blank."""
    largest = max(counts, default=0)
    if largest <= 0:
        return ""
    return "".join(
        " " if c <= 0 else SPARK[min(len(SPARK) - 1, c * len(SPARK) // (largest + 1))]
        for c in counts
    )


def summary_lines(query: CycleQuery) -> list[Text]:
    """Headline, annotators and score distribution."""
    share = query.wrong / query.size if query.size else 0.0
    head = Text.assemble(
        (f"{query.wrong}", "bold bright_red"), f"/{query.size} wrong ({share:.1%})"
    )
    if query.cost is not None:
        head.append(f" · cost {query.cost:g}")
    reasks = [Text(f"re-asked {query.reasked} labels, {query.reask_changed} changed")]
    return [
        head,
        *annotator_lines(query),
        *(reasks if query.reasked else []),
        _scores_line(query.scores),
    ]


def annotator_lines(query: CycleQuery) -> list[Text]:
    """One line per annotator: answers given (each vote counts) and how many were wrong."""
    return [
        Text.assemble(
            f"{stats.annotator[:NAME_WIDTH]:<{NAME_WIDTH}} {stats.answers:>3} answers ",
            (f"{stats.wrong:>3} wrong", "bright_red" if stats.wrong else ""),
            f" {stats.error_rate:>4.0%}",
        )
        for stats in query.annotators
    ]


def _scores_line(scores: dict[str, Any] | None) -> Text:
    if not scores:
        return Text("scores: none (strategy has no score)", style="dim")
    line = Text("scores ")
    histogram = scores.get("histogram") or {}
    line.append(sparkline(list(histogram.get("counts") or [])), "bright_green")
    if "min" in scores and "max" in scores:
        line.append(f" {scores['min']:.4g}..{scores['max']:.4g}")
    if "mean" in scores:
        line.append(f" mean {scores['mean']:.4g}")
    return line


def class_lines(query: CycleQuery, class_name: dict[int, str]) -> list[Text]:
    """Per class: how many queried samples truly belong to it, and how many the oracle said."""
    true_counts, oracle_counts = Counter(query.true_labels), Counter(query.oracle_labels)
    labels = sorted(set(true_counts) | set(oracle_counts) | set(class_name))
    largest = max([*true_counts.values(), *oracle_counts.values(), 1])
    header = Text.assemble(
        f"{'class':<{NAME_WIDTH}} ",
        (f"{'true':>{BAR_WIDTH + 3}}", TRUE_STYLE),
        " ",
        (f"{'oracle':>{BAR_WIDTH + 3}}", ORACLE_STYLE),
    )
    lines = [header]
    for label in labels:
        name = plain(class_name.get(label, str(label)))[:NAME_WIDTH]
        t, o = true_counts[label], oracle_counts[label]
        lines.append(
            Text.assemble(
                f"{name:<{NAME_WIDTH}} ",
                (f"{bar(t, largest):>{BAR_WIDTH}}", TRUE_STYLE),
                f"{t:>3} ",
                (f"{bar(o, largest):>{BAR_WIDTH}}", ORACLE_STYLE),
                f"{o:>3}",
            )
        )
    return lines


def pixel_lines(query: CycleQuery, class_name: dict[int, str]) -> list[Text]:
    """Segmentation: per class, the pixels the oracle's masks gave it in this query."""
    largest = max([*query.pixel_counts, 1])
    lines = [
        Text.assemble(f"{'class':<{NAME_WIDTH}} ", (f"{'pixels':>{BAR_WIDTH + 8}}", ORACLE_STYLE))
    ]
    for label, count in enumerate(query.pixel_counts):
        if count <= 0:
            continue
        name = plain(class_name.get(label, str(label)))[:NAME_WIDTH]
        lines.append(
            Text.assemble(
                f"{name:<{NAME_WIDTH}} ",
                (f"{bar(count, largest):>{BAR_WIDTH}}", ORACLE_STYLE),
                f"{count:>8}",
            )
        )
    return lines


class QueryStats(VerticalScroll):
    """Statistics of the selected cycle's query; scrolls when there are many classes."""

    cycle_query: reactive[CycleQuery | None] = reactive(None)
    cycle: reactive[int | None] = reactive(None)
    class_names: reactive[tuple[str, ...]] = reactive(())
    # The cycle's record (diagnostics and warnings), once the cycle has finished.
    record: reactive[dict[str, Any] | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static(id="query-body")

    def on_mount(self) -> None:
        self._redraw()

    def watch_cycle_query(self) -> None:
        self._redraw()

    def watch_cycle(self) -> None:
        self._redraw()

    def watch_class_names(self) -> None:
        self._redraw()

    def watch_record(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        self.border_title = "query" if self.cycle is None else f"query of cycle {self.cycle}"
        body = self.query_one("#query-body", Static)
        body.update(Text("\n").join(self.lines()))

    def lines(self) -> list[Text]:
        """The displayed text, line by line (also what the tests read)."""
        learned = diagnostics_lines(self.record)
        if self.cycle_query is None:
            if self.cycle is None:
                return [Text("no query yet", style="dim")]
            return [Text(f"cycle {self.cycle} has no query", style="dim"), *learned]
        names = dict(enumerate(self.class_names))
        per_class = pixel_lines if self.cycle_query.pixel_counts else class_lines
        return [
            *summary_lines(self.cycle_query),
            *learned,
            *per_class(self.cycle_query, names),
        ]

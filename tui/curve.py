"""LearningCurve: test accuracy against labeled count, one or several runs overlaid.

Drawn with plain characters and the 16 standard colours, and each run also has its own
marker, so the plot reads at 80x24, without true colour, and even without colour at all.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from palsim.events import plain
from tui.fit import middle_ellipsis

COLOURS = ("bright_cyan", "bright_magenta", "bright_yellow", "bright_green", "bright_red", "white")
MARKERS = ("●", "■", "▲", "◆", "✚", "○")
LINE_CHAR = "·"
Y_LABEL_WIDTH = 6  # "100.0%"


@dataclass(frozen=True)
class Series:
    """One run's learning curve: (labeled, accuracy in [0, 1]) points in cycle order."""

    label: str
    points: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Bounds:
    x_min: float
    x_max: float
    y_min: float
    y_max: float

    @classmethod
    def around(cls, series: list[Series]) -> Bounds:
        xs = [x for s in series for x, _ in s.points]
        ys = [y for s in series for _, y in s.points]
        x_min, x_max = min(xs), max(xs)
        y_min, y_max = min(ys), max(ys)
        if x_max == x_min:
            x_min, x_max = x_min - 1, x_max + 1
        pad = max((y_max - y_min) * 0.05, 0.005)
        return cls(x_min, x_max, max(0.0, y_min - pad), min(1.0, y_max + pad))


def style_of(index: int) -> tuple[str, str]:
    """(colour, marker) of the index-th series."""
    return COLOURS[index % len(COLOURS)], MARKERS[index % len(MARKERS)]


class Canvas:
    """A character grid with one style per cell."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells: list[list[tuple[str, str]]] = [[(" ", "")] * width for _ in range(height)]

    def put(self, col: int, row: int, char: str, style: str, over: bool = True) -> None:
        inside = 0 <= col < self.width and 0 <= row < self.height
        if inside and (over or self.cells[row][col][0] == " "):
            self.cells[row][col] = (char, style)

    def line(self, a: tuple[int, int], b: tuple[int, int], style: str) -> None:
        """Dots between two cells; never over a marker already drawn."""
        steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
        for step in range(1, steps):
            col = a[0] + round((b[0] - a[0]) * step / steps)
            row = a[1] + round((b[1] - a[1]) * step / steps)
            self.put(col, row, LINE_CHAR, style, over=False)

    def row_text(self, row: int) -> Text:
        text = Text()
        for char, style in self.cells[row]:
            text.append(char, style)
        return text


def legend(series: list[Series], width: int) -> list[Text]:
    """Legend entries packed into as few lines as the width allows."""
    lines = [Text()]
    for index, item in enumerate(series):
        colour, marker = style_of(index)
        # A label wider than the plot loses its middle rather than its end (seed, time).
        entry = Text.assemble((marker, colour), " ", middle_ellipsis(plain(item.label), width - 2))
        if lines[-1].cell_len and lines[-1].cell_len + 2 + entry.cell_len > width:
            lines.append(Text())
        if lines[-1].cell_len:
            lines[-1].append("  ")
        lines[-1].append_text(entry)
    return lines


def render_curve(series: list[Series], width: int, height: int) -> Text:
    """The whole plot as text: y axis, the curves, x axis with labels, legend."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return Text("no evaluated cycle yet", style="dim")
    keys = legend(drawn, width)
    plot_w, plot_h = width - Y_LABEL_WIDTH - 1, height - 2 - len(keys)
    if plot_w < 4 or plot_h < 2:
        return Text("(too small to plot)", style="dim")
    bounds = Bounds.around(drawn)
    canvas = Canvas(plot_w, plot_h)
    for index, item in enumerate(drawn):
        colour, marker = style_of(index)
        cells = [_cell(point, bounds, plot_w, plot_h) for point in item.points]
        for a, b in itertools.pairwise(cells):
            canvas.line(a, b, colour)
        for col, row in cells:
            canvas.put(col, row, marker, f"bold {colour}")
    return _assemble(canvas, bounds, keys, width)


def _cell(point: tuple[int, float], bounds: Bounds, width: int, height: int) -> tuple[int, int]:
    x, y = point
    col = round((x - bounds.x_min) / (bounds.x_max - bounds.x_min) * (width - 1))
    row = round((bounds.y_max - y) / (bounds.y_max - bounds.y_min) * (height - 1))
    return col, row


def _assemble(canvas: Canvas, bounds: Bounds, keys: list[Text], width: int) -> Text:
    y_labels = {0: bounds.y_max, canvas.height - 1: bounds.y_min}
    if canvas.height >= 5:
        y_labels[(canvas.height - 1) // 2] = (bounds.y_max + bounds.y_min) / 2
    lines: list[Text] = []
    for row in range(canvas.height):
        label = f"{y_labels[row] * 100:5.1f}%" if row in y_labels else ""
        lines.append(Text(f"{label:>{Y_LABEL_WIDTH}}│", style="dim") + canvas.row_text(row))
    lines.append(Text(" " * Y_LABEL_WIDTH + "└" + "─" * canvas.width, style="dim"))
    left, right = f"{bounds.x_min:.0f}", f"{bounds.x_max:.0f}"
    middle = "labeled"
    gap = max(1, canvas.width - len(left) - len(right) - len(middle))
    x_axis = left + " " * (gap // 2) + middle + " " * (gap - gap // 2) + right
    lines.append(Text(" " * (Y_LABEL_WIDTH + 1) + x_axis, style="dim"))
    lines.extend(key[:width] for key in keys)
    return Text("\n").join(lines)


class LearningCurve(Widget):
    """Accuracy against labeled count for one or several runs, with a legend."""

    series: reactive[tuple[Series, ...]] = reactive(())

    def render(self) -> Text:
        return render_curve(list(self.series), self.size.width, self.size.height)

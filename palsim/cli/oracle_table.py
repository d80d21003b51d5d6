"""Rich tables that show an oracle: its transition matrix and, for a pool, its annotators.

Used by ``palsim oracles show SPEC --classes K``; the engine core never imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from oracles import Oracle
from palsim.events import plain


def oracle_table(oracle: Oracle, class_names: Sequence[str] | None = None) -> list[RenderableType]:
    """The oracle's ``T[true, given]`` (3 decimals; rows named, columns numbered in the same
    order) and, with several annotators, a table of each annotator's error rate and cost."""
    matrix = oracle.transition_matrix()
    k = oracle.num_classes
    names = list(class_names) if class_names is not None else [str(c) for c in range(k)]
    if len(names) != k:
        raise ValueError(f"{len(names)} class names for {k} classes")
    noise_rate = 1.0 - float(matrix.trace()) / k
    table = Table(
        title=Text(plain(f"oracle {oracle.spec}")),  # a spec may name a file: never markup
        caption=f"P(answer | true class); mean noise rate {noise_rate:.3f}",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        padding=0,  # the box's blank rule is the one space between cells: 10 long names fit 80
    )
    table.add_column("true", style="bold", min_width=4, no_wrap=True)
    for column in range(k):
        # Given classes by number (row n is class n), so long class names never squeeze the
        # numbers: they never wrap or shrink to an ellipsis, and 10 classes fit 80 columns.
        table.add_column(str(column), justify="right", min_width=5, no_wrap=True)
    for row, name in enumerate(names):
        cells = [
            f"[bold]{value:.3f}[/bold]" if column == row else f"{value:.3f}"
            for column, value in enumerate(matrix[row])
        ]
        table.add_row(Text(plain(name)), *cells)
    renderables: list[RenderableType] = [table]
    profiles = oracle.annotator_profiles()
    if len(profiles) > 1:
        pool = Table(title="annotators", box=box.SIMPLE_HEAD, pad_edge=False)
        pool.add_column("annotator")
        pool.add_column("error rate", justify="right")
        pool.add_column("cost / label", justify="right")
        for profile in profiles:
            pool.add_row(Text(plain(profile.id)), f"{profile.error_rate:.3f}", f"{profile.cost:g}")
        renderables.append(pool)
    return renderables

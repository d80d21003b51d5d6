"""Imports only run downward: no circle (lazy imports included), no upward import, and the
dashboard reads run folders through palsim.events alone (see DESIGN.md, the layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import circles, import_graph, module_files

# From the top down; a module may import from its own layer (no circle) and from lower ones.
LAYERS = [
    ("palsim.cli", "palsim.__main__"),
    ("tui", "palsim.sweep", "palsim.report"),
    ("palsim.runner",),
    ("palsim.loop", "palsim.initial_draw", "palsim.oracle_inputs", "palsim.reference"),
    ("palsim.strategies", "palsim.relabel", "palsim.diagnostics"),
    ("palsim.train", "palsim.auxiliary", "palsim.segmentation"),
    ("palsim.models", "palsim.datasets"),
    ("palsim.store", "palsim.resume_check", "palsim.run_lock", "palsim.config", "palsim.registry"),
    ("palsim.events", "palsim.seeds", "palsim.errors", "palsim.values", "oracles", "palsim"),
]


def layer(module: str) -> int:
    """0 for the top layer; the longest matching prefix decides ("palsim" alone: the package)."""
    matches = [
        (len(prefix), depth)
        for depth, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or (prefix != "palsim" and module.startswith(prefix + "."))
    ]
    if not matches:
        raise AssertionError(f"{module} is in no layer of LAYERS; add it where it belongs")
    return max(matches)[1]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(module_files())


def test_no_import_circle(graph: dict[str, set[str]]) -> None:
    assert circles(graph) == []


def test_imports_only_run_downward(graph: dict[str, set[str]]) -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer(target) < layer(module)
    ]
    assert upward == []


def test_tui_and_oracles_import_only_the_event_schema_from_palsim(
    graph: dict[str, set[str]],
) -> None:
    outside = [
        f"{module} imports {target}"
        for module, targets in sorted(graph.items())
        if module.startswith(("tui", "oracles"))
        for target in sorted(targets)
        if target.startswith("palsim") and target != "palsim.events"
    ]
    assert outside == []


def write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return module_files(root)


def test_a_lazy_import_that_closes_a_circle_is_found(tmp_path: Path) -> None:
    files = write(
        tmp_path,
        {
            "palsim/__init__.py": "",
            "palsim/a.py": "from palsim.b import f\n",
            "palsim/b.py": "def f():\n    from . import c\n",
            "palsim/c.py": "import palsim.a\n",
            "tui/__init__.py": "",
            "tui/view.py": "from palsim import a\nfrom palsim.events import EVENTS_FILE\n",
            "oracles/__init__.py": "",
        },
    )
    graph = import_graph(files)
    assert graph["palsim.b"] == {"palsim", "palsim.c"}  # relative and lazy
    assert graph["tui.view"] == {"palsim", "palsim.a"}  # palsim.events is not in this tree
    assert circles(graph) == [["palsim.a", "palsim.b", "palsim.c"]]


def test_every_module_has_a_layer() -> None:
    assert [layer(m) for m in ("palsim", "palsim.cli.app", "palsim.strategies.pal")] == [8, 0, 4]
    with pytest.raises(AssertionError, match=r"palsim\.new_module is in no layer"):
        layer("palsim.new_module")

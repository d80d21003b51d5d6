"""Import contract: the engine and oracles run without the UI; the UI runs without torch.

Each check imports every module of its packages, found on disk so that a new module is
checked too, in a fresh interpreter, so modules imported by other tests do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_MODULES = ("textual", "rich", "typer")
# The command line is the UI; everything else in palsim is the engine.
NOT_ENGINE = ("palsim.cli", "palsim.__main__")


def module_names(package: str) -> list[str]:
    """Every module of ``package`` (a folder under the project root), packages included."""
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def engine_modules() -> list[str]:
    engine = [m for m in module_names("palsim") if not m.startswith(NOT_ENGINE)]
    return engine + module_names("oracles")


def imported_after(modules: list[str], watched: tuple[str, ...]) -> list[str]:
    """The watched top-level modules loaded after importing ``modules`` in a fresh interpreter.

    An import that fails fails the test (``check=True``).
    """
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_module_discovery_finds_the_strategies_and_leaves_out_the_cli() -> None:
    engine = engine_modules()
    strategies = {"badge", "bald", "coreset", "pal", "pal_scorer", "random", "uncertainty", "vaal"}
    assert {f"palsim.strategies.{name}" for name in strategies} <= set(engine)
    assert {"palsim.loop", "palsim.sweep.worker", "oracles.annotators"} <= set(engine)
    assert not [m for m in engine if m.startswith("palsim.cli")]


def test_engine_and_oracles_do_not_import_the_ui() -> None:
    assert imported_after(engine_modules(), UI_MODULES) == []


def test_tui_does_not_import_torch() -> None:
    assert imported_after(module_names("tui"), ("torch", "torchvision")) == []

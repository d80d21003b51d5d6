"""Import contract: the engine and oracles run without the UI; the UI runs without torch.

Each check runs in a fresh interpreter, so modules imported by other tests do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_MODULES = ("textual", "rich", "typer")


def imported_after(statement: str, watched: tuple[str, ...]) -> list[str]:
    """The watched top-level modules present in sys.modules after running statement."""
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module",
    [
        "palsim.events",
        "palsim.loop",
        "palsim.strategies",
        "oracles",
        "palsim.sweep, palsim.sweep.worker, palsim.report",
    ],
)
def test_engine_and_oracles_do_not_import_the_ui(module: str) -> None:
    assert imported_after(f"import {module}", UI_MODULES) == []


def test_tui_does_not_import_torch() -> None:
    statement = "import tui, tui.app, tui.launch"
    assert imported_after(statement, ("torch", "torchvision")) == []

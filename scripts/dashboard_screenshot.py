"""Export SVG screenshots of the dashboard on a fake run, for the docs.

    .venv/bin/python scripts/dashboard_screenshot.py          # writes docs/dashboard*.svg

The fake runs come from the dashboard tests' helper (tests/tui/fake_run.py): a PAL run in
the middle of its fifth cycle, and two finished baselines for the runs list.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "tui")]

from conftest import wait_until  # noqa: E402
from fake_run import append_events, cycle_events, write_run  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from tui.app import make_app  # noqa: E402
from tui.cycle_progress import CycleProgress  # noqa: E402
from tui.query_stats import QueryStats  # noqa: E402

SIZE = (100, 32)


def write_runs(root: Path) -> Path:
    """Two finished baselines and a PAL run that is training in cycle 4."""
    write_run(root, "entropy-noisy0.2", cycles=5, strategy="entropy", shift=-0.035)
    write_run(root, "random-noisy0.2", cycles=5, strategy="random", shift=-0.06)
    live = write_run(root, "pal-noisy0.2", cycles=4, finished=False)
    append_events(live, cycle_events(4, last=True)[:4])  # cycle 4: training, epoch 2 of 3
    return live


async def settle(pilot: Pilot[None]) -> None:
    """Let follower messages and the layout settle."""
    for _ in range(10):
        await pilot.pause(0.05)


async def shoot_run(run_dir: Path, target: Path) -> None:
    app = make_app(run_dir, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.query_one(CycleProgress).progress.epoch == 2)
        # Cycle 4 has no query yet: the panel shows the newest one, cycle 3's.
        await wait_until(pilot, lambda: app.screen.query_one(QueryStats).cycle == 3)
        await settle(pilot)
        app.save_screenshot(str(target))


async def shoot_runs(root: Path, target: Path) -> None:
    app = make_app(root, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.query_one("#runs", DataTable).row_count == 3)
        await pilot.press("space", "down", "space", "down", "space")
        await settle(pilot)
        app.save_screenshot(str(target))


def main() -> None:
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "runs"
        live = write_runs(root)
        asyncio.run(shoot_run(live, docs / "dashboard.svg"))
        asyncio.run(shoot_runs(root, docs / "dashboard-runs.svg"))
    print(f"wrote {docs / 'dashboard.svg'} and {docs / 'dashboard-runs.svg'}")


if __name__ == "__main__":
    main()

"""Shared helpers of the dashboard tests: fake runs and waiting for the follower threads."""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

# The fake-run helpers live next to the tests; with --import-mode=importlib this folder is
# not on sys.path by itself.
sys.path.insert(0, str(Path(__file__).parent))

POLL = 0.05  # the tests poll files fast so that they finish fast


def async_test(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (no pytest async plugin is needed)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))  # type: ignore[arg-type]

    return run


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 5.0
) -> None:
    """Let the app run until condition() holds; fail with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the dashboard did not reach the expected state in time")
        await pilot.pause(POLL)
    await asyncio.sleep(0)


@pytest.fixture
def runs_root(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    root.mkdir()
    return root

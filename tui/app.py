"""The dashboard app and its factory, shared by the CLI and the tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from palsim.events import plain
from tui.run_screen import RunScreen
from tui.runs_scanner import is_run_dir
from tui.runs_screen import RunsScreen

CHILD_CHECK_SECONDS = 0.5


class PalsimApp(App[None]):
    """Shows one run, or a folder of runs from which runs are opened."""

    CSS_PATH = "palsim.tcss"
    TITLE = "palsim"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        path: Path,
        *,
        single_run: bool = False,
        poll_seconds: float | None = None,
        child: subprocess.Popen[Any] | None = None,
        child_log: Path | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.single_run = single_run
        self.poll_seconds = poll_seconds
        self.child = child
        self.child_log = child_log

    def on_mount(self) -> None:
        self.push_screen(self.first_screen())
        if self.child is not None:
            self.set_interval(CHILD_CHECK_SECONDS, self.check_child)

    def first_screen(self) -> RunScreen | RunsScreen:
        options = {} if self.poll_seconds is None else {"poll_seconds": self.poll_seconds}
        # A folder that does not exist yet is a run about to be written.
        if self.single_run or is_run_dir(self.path) or not self.path.exists():
            return RunScreen(self.path, **options)
        return RunsScreen(self.path, **options)

    def check_child(self) -> None:
        """Tell the user once when the study process ends (the dashboard stays open)."""
        if self.child is None or self.child.poll() is None:
            return
        code, self.child = self.child.returncode, None
        if code == 0:
            self.notify("study finished; press q to leave", timeout=10)
            return
        where = f"; its output is in {plain(self.child_log)}" if self.child_log else ""
        # markup=False: the path holds the run's name, which may contain brackets.
        message = f"study exited with code {code}{where}"
        self.notify(message, severity="error", timeout=30, markup=False)


def make_app(path: Path, **options: Any) -> PalsimApp:
    """The dashboard on a run folder or a folder of runs.

    Options: ``single_run`` (always show ``path`` as one run, even before its files exist),
    ``poll_seconds`` (how often files are polled), ``child`` and ``child_log`` (a study
    process started by ``run_with_tui``, reported when it ends).
    """
    return PalsimApp(Path(path), **options)

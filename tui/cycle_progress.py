"""CycleProgress: one line with the run's name, status and where the current cycle is."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from palsim.events import RunStatus, plain
from tui.fit import middle_ellipsis
from tui.run_state import Progress

STATUS_STYLES = {
    RunStatus.RUNNING: "bold bright_green",
    RunStatus.FINISHED: "bold bright_blue",
    RunStatus.INTERRUPTED: "bold yellow",
    "stalled": "bold yellow",
    RunStatus.FAILED: "bold bright_red",
    "crashed": "bold bright_red",
    "waiting": "dim",
}
BAR_WIDTH = 10


def epoch_bar(epoch: int, epochs: int, width: int = BAR_WIDTH) -> str:
    done = round(min(max(epoch / epochs, 0.0), 1.0) * width) if epochs > 0 else 0
    return "█" * done + "░" * (width - done)


MIN_NAME_WIDTH = 12  # a run name is never cut shorter than this


def progress_text(
    name: str, status: str, progress: Progress, error: str | None = None, width: int = 0
) -> Text:
    """The whole line: name, status, then the phase/epoch/loss of the current cycle.

    With ``width`` (0: unlimited) the line is made to fit so that the loss stays visible:
    first the phase detail goes, then the epoch bar, then the name is shortened.
    """
    name, status = plain(name), plain(status)  # read from the run folder: plain text only
    for detail, bar in ((True, True), (False, True), (False, False)):
        text = _line(name, status, progress, error, detail, bar)
        if not width or text.cell_len <= width:
            return text
    name_width = max(MIN_NAME_WIDTH, len(name) - (text.cell_len - width))
    return _line(middle_ellipsis(name, name_width), status, progress, error, False, False)


def _line(
    name: str, status: str, progress: Progress, error: str | None, detail: bool, bar: bool
) -> Text:
    style = STATUS_STYLES.get(status, "")
    text = Text.assemble((name, "bold"), "  ", (status.upper(), style))
    if error:
        text.append(f" ({plain(error)})", style)
    if progress.cycle is None:
        return text
    text.append(f"  cycle {progress.cycle}")
    if progress.phase:
        text.append(f" · {plain(progress.phase)}")
    if detail and progress.detail:
        text.append(f" ({plain(progress.detail)})", "dim")
    if progress.epoch is not None and progress.epochs:
        text.append(f" · epoch {progress.epoch}/{progress.epochs}")
        if bar:
            text.append(" ")
            text.append(epoch_bar(progress.epoch, progress.epochs), "bright_green")
    if progress.loss is not None:
        text.append(f" loss {progress.loss:.4f}")
    return text


class CycleProgress(Widget):
    """Live status line of a run."""

    run_name: reactive[str] = reactive("")
    status: reactive[str] = reactive("waiting")
    progress: reactive[Progress] = reactive(Progress)
    error: reactive[str | None] = reactive(None)  # why a run failed or was interrupted

    def render(self) -> Text:
        width = self.content_region.width
        return progress_text(self.run_name, self.status, self.progress, self.error, width)

"""RunState: what the dashboard knows about one run, folded from its events.

Pure Python (no Textual), so the same folding serves the run screen, the runs list and
the tests. Only what the views need is kept: query label lists, not the pool indices.

A run folder is untrusted: every field is checked for its type as it is folded (a wrong one
is dropped, a malformed event ignored), and every string is made plain text
(:func:`palsim.events.plain`), so no event can crash the dashboard or drive the terminal.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from palsim.events import Event, EventName, RunStatus, plain
from tui.event_fields import as_int, as_number, as_text, int_tuple, score_summary

# A truncated last line that stays unfinished this long means the writer died mid-line;
# the engine writes whole lines, so a live run never leaves one for more than an instant.
CRASH_GRACE_SECONDS = 2.0
# No event and no run_finished for this long: the process is most likely gone (killed).
# Only for folders without a lock file (older runs); otherwise the lock tells at once.
STALL_SECONDS = 600.0


@dataclass(frozen=True)
class AnnotatorStats:
    """How many answers one annotator gave in a query, and how many were wrong."""

    annotator: str
    answers: int
    wrong: int

    @property
    def error_rate(self) -> float:
        return self.wrong / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class CycleQuery:
    """The samples one cycle's query selected and what the oracle answered."""

    cycle: int
    true_labels: tuple[int, ...]
    oracle_labels: tuple[int, ...]
    annotators: tuple[AnnotatorStats, ...]  # empty for a single oracle
    scores: dict[str, Any] | None
    cost: float | None
    reasked: int = 0  # labels re-asked this cycle (``--relabel``)
    reask_changed: int = 0  # re-asked labels whose served label changed
    pixel_counts: tuple[int, ...] = ()  # segmentation: answered pixels per class

    @property
    def size(self) -> int:
        return len(self.true_labels)

    @property
    def wrong(self) -> int:
        """Answers that differ from the true label."""
        # Not strict: a malformed event must not crash the viewer; extra labels are ignored.
        pairs = zip(self.true_labels, self.oracle_labels, strict=False)
        return sum(t != o for t, o in pairs)

    @classmethod
    def from_event(cls, event: Event) -> CycleQuery:
        """Raises ValueError for a query event without a cycle number."""
        cycle = as_int(event.get("cycle"))
        if cycle is None:
            raise ValueError("query event without a cycle")
        true_labels = int_tuple(event.get("true_labels"))
        relabel = event.get("relabel")
        if not isinstance(relabel, dict):
            relabel = {}
        before = int_tuple(relabel.get("labels_before"))
        after = int_tuple(relabel.get("labels_after"))
        reasked = relabel.get("indices")
        return cls(
            cycle=cycle,
            true_labels=true_labels,
            oracle_labels=int_tuple(event.get("oracle_labels")),
            annotators=annotator_stats(event, true_labels) if event.get("annotators") else (),
            scores=score_summary(event.get("scores")),
            cost=as_number(event.get("cost")),
            reasked=len(reasked) if isinstance(reasked, list) else 0,
            reask_changed=sum(a != b for a, b in zip(before, after, strict=False)),
            pixel_counts=int_tuple(event.get("pixel_counts")),
        )


def annotator_stats(event: Event, true_labels: tuple[int, ...]) -> tuple[AnnotatorStats, ...]:
    """Per annotator, from the individual answers: a voter counts once per vote it cast.

    Busiest first, then by name. Answers about items the event does not list are ignored.
    """
    true_of = dict(zip((int(i) for i in event.get("indices") or ()), true_labels, strict=False))
    relabel = event.get("relabel")
    if isinstance(relabel, dict):  # re-asked items answered this cycle count too
        pairs = zip(relabel.get("indices") or (), relabel.get("true_labels") or (), strict=False)
        true_of.update((int(item), int(true)) for item, true in pairs)
    answers: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for answer in event.get("answers") or ():
        try:
            item, annotator, label = int(answer[0]), plain(answer[1]), int(answer[2])
        except (TypeError, ValueError, IndexError, KeyError):
            continue  # a malformed answer must not crash the viewer
        if item in true_of:
            answers[annotator] += 1
            wrong[annotator] += label != true_of[item]
    order = sorted(answers, key=lambda name: (-answers[name], name))
    return tuple(AnnotatorStats(name, answers[name], wrong[name]) for name in order)


@dataclass
class Progress:
    """Live position inside the current cycle."""

    cycle: int | None = None
    phase: str = ""
    detail: str = ""
    epoch: int | None = None
    epochs: int | None = None
    loss: float | None = None


@dataclass
class RunState:
    """Everything the views show about one run, updated event by event."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)
    class_names: list[str] = field(default_factory=list)
    task: str = "classification"  # run_started's task: the curve plots mIoU for segmentation
    started: dict[int, int] = field(default_factory=dict)  # cycle -> labeled at start
    evaluated: dict[int, tuple[int, float]] = field(default_factory=dict)
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    queries: dict[int, CycleQuery] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)
    end_status: str | None = None
    error: str | None = None
    partial_tail: bool = False
    last_write: float | None = None  # mtime of events.jsonl
    # Whether a process holds the folder's writer lock; None: no lock file (an older run).
    writer_alive: bool | None = None

    def apply(self, event: Event) -> None:
        """Fold one event into the state; unknown and malformed events are ignored."""
        handler = _HANDLERS.get(str(event.get("event")))
        if handler is None:
            return
        # A field of the wrong type: the event says nothing that can be shown.
        with contextlib.suppress(TypeError, ValueError, AttributeError, OverflowError):
            handler(self, event)

    def apply_all(self, events: list[Event]) -> None:
        for event in events:
            self.apply(event)

    def fold(
        self,
        events: list[Event],
        partial_tail: bool,
        mtime: float | None,
        reset: bool,
        writer_alive: bool | None = None,
    ) -> RunState:
        """Fold one tail read; on reset a fresh state that keeps only the name and config.

        ``writer_alive`` must be probed *before* the events were read: a writer that let
        go of its lock has written its last event by then, so a free lock and no
        run_finished among the events means it died.
        """
        state = RunState(name=self.name, config=self.config) if reset else self
        state.apply_all(events)
        state.partial_tail, state.last_write = partial_tail, mtime
        state.writer_alive = writer_alive
        return state

    def status(self, now: float) -> str:
        """running, finished, interrupted, failed, crashed, stalled or waiting."""
        if self.end_status:
            return self.end_status
        idle = None if self.last_write is None else now - self.last_write
        if idle is None:
            return "waiting"
        if self.writer_alive is False:
            return "crashed"  # no process holds the lock, and the run never said it ended
        if self.partial_tail and idle > CRASH_GRACE_SECONDS:
            return "crashed"
        if idle > STALL_SECONDS:
            return "stalled"
        return RunStatus.RUNNING

    @property
    def latest_query_cycle(self) -> int | None:
        """The newest cycle whose query has been answered."""
        return max(self.queries) if self.queries else None

    @property
    def current_cycle(self) -> int | None:
        cycles = set(self.started) | set(self.records)
        return max(cycles) if cycles else None

    @property
    def score_key(self) -> str:
        """The record's headline metric: ``test_miou`` for segmentation, else accuracy."""
        return "test_miou" if self.task == "segmentation" else "test_accuracy"

    @property
    def score_name(self) -> str:
        return "test mIoU" if self.task == "segmentation" else "test accuracy"

    def curve_points(self) -> tuple[tuple[int, float], ...]:
        """(labeled, test accuracy or mIoU) per evaluated cycle, in cycle order."""
        points = dict(self.evaluated)
        for cycle, record in self.records.items():
            accuracy = as_number(record.get(self.score_key))
            labeled = as_int(record.get("labeled"))
            if accuracy is not None and labeled is not None:
                points[cycle] = (labeled, accuracy)
        return tuple(points[c] for c in sorted(points))

    def latest_accuracy(self) -> float | None:
        points = self.curve_points()
        return points[-1][1] if points else None


def _on_run_started(state: RunState, event: Event) -> None:
    config = event.get("config")
    if isinstance(config, dict):
        state.config = {**state.config, **config}
    names = event.get("class_names")
    state.class_names = [plain(n) for n in names] if isinstance(names, list) else []
    state.task = "segmentation" if event.get("task") == "segmentation" else "classification"
    # A resumed run starts again from its checkpoint: an earlier end is no longer final.
    state.end_status = None
    state.error = None


def _on_cycle_started(state: RunState, event: Event) -> None:
    cycle = as_int(event.get("cycle"))
    if cycle is not None:
        state.started[cycle] = as_int(event.get("labeled")) or 0
        state.progress = Progress(cycle=cycle, phase="started")


def _on_phase(state: RunState, event: Event) -> None:
    state.progress = Progress(
        cycle=as_int(event.get("cycle")),
        phase=as_text(event.get("phase")),
        detail=as_text(event.get("detail")),
    )


def _on_epoch(state: RunState, event: Event) -> None:
    progress = state.progress
    phase = as_text(event.get("phase", progress.phase))
    detail = progress.detail if phase == progress.phase else ""
    state.progress = Progress(
        cycle=as_int(event.get("cycle")),
        phase=phase,
        detail=detail,
        epoch=as_int(event.get("epoch")),
        epochs=as_int(event.get("epochs")),
        loss=as_number(event.get("loss")),
    )


def _on_evaluated(state: RunState, event: Event) -> None:
    accuracy, cycle = as_number(event.get(state.score_key)), as_int(event.get("cycle"))
    if accuracy is not None and cycle is not None:
        state.evaluated[cycle] = (as_int(event.get("labeled")) or 0, accuracy)


def _on_query(state: RunState, event: Event) -> None:
    query = CycleQuery.from_event(event)
    state.queries[query.cycle] = query


def _on_cycle_finished(state: RunState, event: Event) -> None:
    record = event.get("record")
    cycle = as_int(record.get("cycle")) if isinstance(record, dict) else None
    if isinstance(record, dict) and cycle is not None:
        state.records[cycle] = record
        state.progress = Progress(cycle=cycle, phase="done")


def _on_run_finished(state: RunState, event: Event) -> None:
    state.end_status = as_text(event.get("status")) or RunStatus.FINISHED
    error = event.get("error")
    state.error = None if error is None else plain(error)


# Keyed by the plain string, as an event read from disk carries it.
_HANDLERS: dict[str, Callable[[RunState, Event], None]] = {
    EventName.RUN_STARTED: _on_run_started,
    EventName.CYCLE_STARTED: _on_cycle_started,
    EventName.PHASE: _on_phase,
    EventName.EPOCH: _on_epoch,
    EventName.EVALUATED: _on_evaluated,
    EventName.QUERY: _on_query,
    EventName.CYCLE_FINISHED: _on_cycle_finished,
    EventName.RUN_FINISHED: _on_run_finished,
}

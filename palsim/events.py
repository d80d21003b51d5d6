"""The event schema: what a run writes to ``events.jsonl``, one JSON object per line.

Every event is a dict with ``"event"`` (an :class:`EventName`) and ``"time"`` (Unix seconds).
The engine yields events built by the constructors below (one per kind); the console
printer, the JSONL writer and the TUI consume them. This module imports only the standard
library, so the TUI can read runs without torch.

Events, in the order a run emits them:

- ``run_started``: ``config`` (resolved configuration dict), ``dataset``, ``num_classes``,
  ``class_names``, ``pool_size``, ``test_size``, ``device``, ``precision`` (what the run
  computes in, ``fp32`` or ``bf16``; absent in older logs), ``model`` (the task model),
  ``excluded_classes``, ``resumed_from`` (cycle or null), ``initial`` (the initial set's
  ``query``-style fields, ``diagnostics`` too when a strategy drew it, or null when
  resumed), ``oracle_notes`` (lines about the oracle's inputs, e.g. a reference
  classifier's test accuracy), ``task`` (``classification`` or ``segmentation``; absent in
  older logs: classification).
- ``cycle_started``: ``cycle``, ``labeled``.
- ``phase``: ``cycle``, ``phase`` (``train``, ``evaluate``, ``query``, ``annotate``, or a
  strategy's own phase such as ``scorer``), ``detail`` (free text).
- ``epoch``: ``cycle``, ``phase``, ``epoch`` (1-based), ``epochs``, ``loss``.
- ``evaluated``: ``cycle``, ``labeled``, ``test_accuracy`` (classification) or
  ``test_miou``, ``test_pixel_accuracy``, ``test_iou_per_class`` (segmentation).
- ``query``: ``cycle``, ``indices``, ``true_labels``, ``oracle_labels``, ``annotators``
  (per item, who answered: an annotator id, voters joined by ``+``, or null for a single
  oracle), ``answers`` (every individual answer, ``[item, annotator, label]``, re-asks
  included), ``cost`` (every answer of the cycle, re-asks included), ``scores`` (summary
  dict: ``min``, ``max``, ``mean``, ``std``, ``histogram`` {``edges``, ``counts``} of the
  selected samples' scores, or null when the strategy has none), and, with ``--relabel``,
  ``relabel``: ``indices``, ``true_labels``, ``labels_before``, ``labels_after``,
  ``annotators``, ``answers``, ``cost`` of the labels re-asked. Segmentation: an item's
  label is the largest non-background class of its mask, and the event adds ``mask_rates``
  (the mask oracle's realised rates) and ``pixel_counts`` (answered pixels per class).
- ``cycle_finished``: ``record``, one entry of summary.json's ``cycles``: ``cycle``,
  ``labeled`` (size of the labeled set the model was trained on), ``test_accuracy`` (or,
  segmentation, ``test_miou``, ``test_pixel_accuracy``, ``test_iou_per_class``, and
  ``noisy_pixels``, ``pixel_noise_rate``, ``query_mask_rates``; docs/formats.md),
  ``noisy_labels`` (labeled samples whose oracle label differs from the true label),
  ``noise_rate`` (noisy_labels / labeled, the realised rate), ``queried`` (samples queried at
  the end of this cycle; 0 in the last cycle), ``query_noisy`` (wrong answers among them),
  ``label_cost`` (cost of this cycle's answers), ``total_label_cost`` (all answers so far,
  the initial set included), ``train_seconds``, ``query_seconds``, ``diagnostics`` (how
  well each network learned, flat name -> number or list; docs/training.md lists them),
  ``warnings`` (lines about networks near chance), with ``--relabel`` ``reasked``,
  ``reask_changed``, ``served_noise_before``, ``served_noise_after``, and, when a strategy
  tracks them, extra keys (for example ``novel_found``).
- ``warning``: ``cycle``, ``message`` (one line: a network ended the cycle near chance).
- ``run_finished``: ``status`` (``finished``, ``interrupted`` or ``failed``), ``error``.

Each constructor takes its fields as keyword arguments and passes any further keyword
fields through (``**extra``), so a field can be added without changing every caller.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import stat
import time
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

Event = dict[str, Any]
#: The cycle of the initial set: its answers in annotations.csv, its random streams, and the
#: progress events of a strategy drawing it (shown to the user, not logged).
INITIAL_CYCLE = -1


class EventName(StrEnum):
    """The ``"event"`` value of each kind; a StrEnum, so it is written as the plain string."""

    RUN_STARTED = "run_started"
    CYCLE_STARTED = "cycle_started"
    PHASE = "phase"
    EPOCH = "epoch"
    EVALUATED = "evaluated"
    QUERY = "query"
    CYCLE_FINISHED = "cycle_finished"
    RUN_FINISHED = "run_finished"
    WARNING = "warning"


EVENTS_FILE = "events.jsonl"
SUMMARY_FILE = "summary.json"
CONFIG_FILE = "config.json"


class RunStatus(StrEnum):
    """How a run stands: summary.json's ``status`` and the ``run_finished`` event's."""

    RUNNING = "running"  # started and not ended (or killed without a word)
    FINISHED = "finished"  # every cycle done
    INTERRUPTED = "interrupted"  # stopped by the user; --resume continues it
    FAILED = "failed"  # ended by an error; --resume retries from the last finished cycle


def is_finished(summary: Mapping[str, Any] | None) -> bool:
    """True when a summary (as read from summary.json, or None) says the run finished."""
    return summary is not None and summary.get("status") == RunStatus.FINISHED


def make_event(name: EventName | str, **fields: Any) -> Event:
    """Build an event dict with its name and the current time (the constructors' common part).

    Raises ValueError for a name that is not an :class:`EventName`.
    """
    try:
        kind = EventName(name)
    except ValueError:
        known = ", ".join(EventName)
        raise ValueError(f"unknown event {name!r}; known: {known}") from None
    return {"event": kind, "time": time.time(), **fields}


def run_started_event(
    *,
    config: dict[str, Any],
    dataset: str,
    num_classes: int,
    class_names: list[str],
    pool_size: int,
    test_size: int,
    device: str,
    model: str,
    excluded_classes: list[int],
    resumed_from: int | None,
    initial: Event | None,
    **extra: Any,
) -> Event:
    return make_event(
        EventName.RUN_STARTED,
        config=config,
        dataset=dataset,
        num_classes=num_classes,
        class_names=class_names,
        pool_size=pool_size,
        test_size=test_size,
        device=device,
        model=model,
        excluded_classes=excluded_classes,
        resumed_from=resumed_from,
        initial=initial,
        **extra,
    )


def cycle_started_event(*, cycle: int, labeled: int, **extra: Any) -> Event:
    return make_event(EventName.CYCLE_STARTED, cycle=cycle, labeled=labeled, **extra)


def phase_event(*, cycle: int, phase: str, detail: str, **extra: Any) -> Event:
    return make_event(EventName.PHASE, cycle=cycle, phase=phase, detail=detail, **extra)


def epoch_event(
    *, cycle: int, phase: str, epoch: int, epochs: int, loss: float, **extra: Any
) -> Event:
    return make_event(
        EventName.EPOCH, cycle=cycle, phase=phase, epoch=epoch, epochs=epochs, loss=loss, **extra
    )


def evaluated_event(*, cycle: int, labeled: int, **metrics: Any) -> Event:
    """The test metrics: ``test_accuracy`` (classification) or ``test_miou``, ... (segmentation)."""
    return make_event(EventName.EVALUATED, cycle=cycle, labeled=labeled, **metrics)


def query_event(
    *,
    cycle: int,
    scores: dict[str, Any] | None,
    indices: list[int],
    true_labels: list[int],
    oracle_labels: list[int],
    annotators: list[str] | None,
    answers: list[list[Any]],
    cost: float,
    **extra: Any,
) -> Event:
    return make_event(
        EventName.QUERY,
        cycle=cycle,
        scores=scores,
        indices=indices,
        true_labels=true_labels,
        oracle_labels=oracle_labels,
        annotators=annotators,
        answers=answers,
        cost=cost,
        **extra,
    )


def cycle_finished_event(*, record: dict[str, Any], **extra: Any) -> Event:
    return make_event(EventName.CYCLE_FINISHED, record=record, **extra)


def warning_event(*, cycle: int, message: str, **extra: Any) -> Event:
    """A network ended ``cycle`` near chance on its own training data (one line)."""
    return make_event(EventName.WARNING, cycle=cycle, message=message, **extra)


def run_finished_event(*, status: RunStatus, error: str | None, **extra: Any) -> Event:
    return make_event(EventName.RUN_FINISHED, status=status, error=error, **extra)


def parse_lines(text: str) -> tuple[list[Event], str]:
    """Parse complete JSON lines; return the events and the unfinished tail.

    A line that is not valid JSON (a truncated write after a crash) is skipped, so a
    reader never fails on a run that died mid-line.
    """
    events: list[Event] = []
    *complete, tail = text.split("\n")
    for line in complete:
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):  # a torn line, or nesting too deep to parse
            continue
        if isinstance(value, dict) and "event" in value:
            events.append(value)
    return events, tail


def read_events(path: str | Path) -> list[Event]:
    """Read every complete event of an events.jsonl file (a truncated last line is ignored)."""
    path = Path(path)
    if path.is_dir():
        path = path / EVENTS_FILE
    try:
        with open_regular(path) as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    # A last line written whole but without its newline still counts; a torn one does not.
    events, _ = parse_lines(text + "\n")
    return events


def read_first_event(directory: Path) -> Event | None:
    """The first event of a run folder's events.jsonl (its ``run_started``), read without the
    rest of the file; None when it is missing, unreadable, oversized or not an event."""
    try:
        with open_regular(directory / EVENTS_FILE) as handle:
            line = handle.readline(MAX_JSON_BYTES + 1)
    except OSError:
        return None
    if len(line) > MAX_JSON_BYTES:
        return None
    events, _ = parse_lines(line.decode("utf-8", errors="replace") + "\n")
    return events[0] if events else None


def read_json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``, or None when it is missing, unreadable or not an object."""
    try:
        with open_regular(path) as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
        if len(data) > MAX_JSON_BYTES:
            return None
        value = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # ValueError: JSON and UTF-8 decoding
        return None
    return value if isinstance(value, dict) else None


# --- Run folders are untrusted input --------------------------------------------------------

#: Largest JSON file (config, summary, checkpoint) a reader loads; real ones are far smaller.
MAX_JSON_BYTES = 64 * 1024 * 1024
#: The lock file of the one process writing a run folder (see :mod:`palsim.run_lock`).
LOCK_FILE = "run.lock"

# Characters a terminal may act on: C0 controls (ESC, BEL, CR, ...), DEL, C1 controls (a
# lone 0x9b is CSI on some terminals), and the bidirectional overrides that reorder text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object) -> str:
    """``value`` as one line of text a terminal shows literally: control characters escaped.

    Every string read from a run folder passes through here before it reaches a terminal
    (console, report, dashboard): ESC, OSC 8 links and BEL become visible ``\\x1b``-style
    escapes. Rich markup is a separate matter: show the result as ``rich.text.Text``.
    """
    return _UNSAFE.sub(_escape, str(value))


def open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file.

    A FIFO or device planted in a shared run folder would otherwise block a reader forever
    (O_NONBLOCK makes the open itself return at once). Raises OSError otherwise.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, f"{path} is not a regular file")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def writer_active(directory: Path) -> bool | None:
    """Whether a process holds the run folder's writer lock; None when it has no lock file.

    The writer holds an exclusive ``flock`` for its whole life, and the kernel drops it the
    moment the process dies (kill -9 included). This probe asks for a *shared* lock without
    waiting: refused means a writer is alive; granted means none is, and it is released at
    once. The probe never blocks; a writer that starts during the instant the probe holds
    it retries (see ``palsim.run_lock``), so a reader cannot keep a run from starting.
    """
    try:
        handle = open_regular(directory / LOCK_FILE)
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return None  # a file system without locks: tell nothing
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False

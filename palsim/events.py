"""The event schema: what a run writes to ``events.jsonl``, one JSON object per line.

Every event is a dict with ``"event"`` (one of the names below) and ``"time"`` (Unix seconds).
The engine yields events; the console printer, the JSONL writer and the TUI consume them.
This module imports only the standard library, so the TUI can read runs without torch.

Events, in the order a run emits them:

- ``run_started``: ``config`` (resolved configuration dict), ``dataset``, ``num_classes``,
  ``class_names``, ``pool_size``, ``test_size``, ``device``, ``resumed_from`` (cycle or null).
- ``cycle_started``: ``cycle``, ``labeled``.
- ``phase``: ``cycle``, ``phase`` (``train``, ``evaluate``, ``query``, ``annotate``, or a
  strategy's own phase such as ``scorer``), ``detail`` (free text).
- ``epoch``: ``cycle``, ``phase``, ``epoch`` (1-based), ``epochs``, ``loss``.
- ``evaluated``: ``cycle``, ``labeled``, ``test_accuracy``.
- ``query``: ``cycle``, ``indices``, ``true_labels``, ``oracle_labels``, ``annotators``
  (list of annotator ids, or null for a single oracle), ``scores`` (summary dict:
  ``min``, ``max``, ``mean``, ``std``, ``histogram`` {``edges``, ``counts``} of the selected
  samples' scores, or null when the strategy has none), ``cost``.
- ``cycle_finished``: ``record``, one entry of summary.json's ``cycles``: ``cycle``,
  ``labeled`` (size of the labeled set the model was trained on), ``test_accuracy``,
  ``noisy_labels`` (labeled samples whose oracle label differs from the true label),
  ``noise_rate`` (noisy_labels / labeled, the realised rate), ``queried`` (samples queried at
  the end of this cycle; 0 in the last cycle), ``query_noisy`` (wrong answers among them),
  ``label_cost`` (cost of this cycle's answers), ``total_label_cost`` (all answers so far,
  the initial set included), ``train_seconds``, ``query_seconds``, and,
  when a strategy tracks them, extra keys (for example ``novel_found``).
- ``run_finished``: ``status`` (``finished``, ``interrupted`` or ``failed``), ``error``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

Event = dict[str, Any]

RUN_STARTED = "run_started"
CYCLE_STARTED = "cycle_started"
PHASE = "phase"
EPOCH = "epoch"
EVALUATED = "evaluated"
QUERY = "query"
CYCLE_FINISHED = "cycle_finished"
RUN_FINISHED = "run_finished"

EVENT_NAMES = (
    RUN_STARTED,
    CYCLE_STARTED,
    PHASE,
    EPOCH,
    EVALUATED,
    QUERY,
    CYCLE_FINISHED,
    RUN_FINISHED,
)

EVENTS_FILE = "events.jsonl"
SUMMARY_FILE = "summary.json"
CONFIG_FILE = "config.json"


def make_event(name: str, **fields: Any) -> Event:
    """Build an event dict with its name and the current time."""
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown event {name!r}; known: {', '.join(EVENT_NAMES)}")
    return {"event": name, "time": time.time(), **fields}


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
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and "event" in value:
            events.append(value)
    return events, tail


def read_events(path: str | Path) -> list[Event]:
    """Read every complete event of an events.jsonl file (a truncated last line is ignored)."""
    path = Path(path)
    if path.is_dir():
        path = path / EVENTS_FILE
    if not path.exists():
        return []
    # A last line written whole but without its newline still counts; a torn one does not.
    events, _ = parse_lines(path.read_text(encoding="utf-8", errors="replace") + "\n")
    return events


def read_json_object(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``, or None when it is missing, unreadable or not an object."""
    try:
        with path.open(encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):  # ValueError: JSONDecodeError, UnicodeDecodeError
        return None
    return value if isinstance(value, dict) else None

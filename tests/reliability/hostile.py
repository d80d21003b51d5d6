"""Crafted run folders, as someone sharing a folder could write them.

``HOSTILE`` holds what a terminal would act on (ESC sequences, an OSC 8 link, BEL, a C1 CSI)
and Rich markup, well-formed and broken. It goes into folder names, config values, class
and annotator names, phase details and error texts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.tui.fake_run import cycle_events, make_config

HOSTILE = (
    "\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 \x1b[31mred\x1b[0m \x9b2J "
    "[bold red]markup[/] [link=http://x]l[/link] [/] \x07bell"
)
#: Bytes that must never reach a terminal from a run folder: ESC, BEL, C1 CSI.
FORBIDDEN = ("\x1b", "\x07", "\x9b")
HOSTILE_DIR = "run-\x1b[31m[bold]x\x07"


def hostile_config(name: str) -> dict[str, Any]:
    config = make_config(name, strategy=HOSTILE, oracle=HOSTILE)
    return {**config, "dataset": HOSTILE, "model": HOSTILE}


def write_hostile_run(root: Path, name: str = HOSTILE_DIR, finished: bool = True) -> Path:
    """A finished two-cycle run whose every string is hostile."""
    directory = root / name
    directory.mkdir(parents=True)
    config = hostile_config(HOSTILE)
    events: list[dict[str, Any]] = [
        {"event": "run_started", "time": 0, "config": config, "class_names": [HOSTILE] * 10}
    ]
    for cycle in range(2):
        for event in cycle_events(cycle, last=cycle == 1):
            if event["event"] == "phase":
                event["detail"] = HOSTILE
            if event["event"] == "query":
                event["annotators"] = [HOSTILE] * len(event["true_labels"])
            events.append(event)
    status = "finished" if finished else "failed"
    events.append({"event": "run_finished", "time": 0, "status": status, "error": HOSTILE})
    write_folder(directory, config, events, status)
    return directory


def write_folder(directory: Path, config: Any, events: list[Any], status: str) -> None:
    """config.json, events.jsonl and summary.json as given (no check of their contents)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(config))
    lines = [json.dumps(event) for event in events]
    (directory / "events.jsonl").write_text("\n".join(lines) + "\n")
    records = [
        e["record"] for e in events if isinstance(e, dict) and e.get("event") == "cycle_finished"
    ]
    summary = {"config": config, "cycles": records, "status": status, "error": HOSTILE}
    (directory / "summary.json").write_text(json.dumps(summary))


#: Values of the wrong type for any field: each is tried in every field of every event.
WRONG_VALUES: list[Any] = [
    "[/]",
    "[bold",
    HOSTILE,
    [1, "x", None],
    {"a": {"b": [1]}},
    None,
    -1,
    True,
    1e308 * 10,  # JSON Infinity
    2**70,
]


def malformed_events() -> list[dict[str, Any]]:
    """Every event of a real-looking run with, in turn, each field set to each wrong value."""
    base = [
        {"event": "run_started", "time": 0, "config": make_config("x"), "class_names": ["a"]},
        *cycle_events(0, last=False),
        *cycle_events(1, last=True),
        {"event": "run_finished", "time": 0, "status": "finished", "error": None},
    ]
    broken = []
    for event in base:
        for key in event:
            if key == "event":
                continue
            for value in WRONG_VALUES:
                broken.append({**event, key: value})
        if event["event"] == "cycle_finished":
            for key in event["record"]:
                for value in WRONG_VALUES:
                    broken.append({**event, "record": {**event["record"], key: value}})
    return broken

"""What a run asked its oracle for: the true classes of the samples in its ``query`` events.

The initial set is not a query. Run folders travel between people, so a query event's
``true_labels`` count only where they are a list of non-negative integers; anything else in a
copied folder is left out, never raised on. Standard library only.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from palsim.events import EventName, plain, read_events
from palsim.report.aggregate import listed_class_names


def class_ids(labels: object) -> list[int]:
    """The class ids of a query event's ``true_labels``: its non-negative integers."""
    if not isinstance(labels, list):
        return []
    return [label for label in labels if type(label) is int and label >= 0]


def queried_classes(directory: Path) -> tuple[Counter[int], list[str]]:
    """How many queried samples of each true class the run in ``directory`` asked for, and
    the class names its ``run_started`` event lists (escaped; empty when it lists none)."""
    events = read_events(directory)
    tally: Counter[int] = Counter()
    for event in events:
        if event.get("event") == EventName.QUERY:
            tally.update(class_ids(event.get("true_labels")))
    listed = listed_class_names(events[0]) if events else None
    return tally, [plain(name) for name in listed or []]


def class_header(names: list[str], tallies: list[Counter[int]]) -> list[str]:
    """One column name per class id up to the largest one seen: the listed name, else the id."""
    seen = max((max(tally, default=-1) for tally in tallies), default=-1)
    count = max(len(names), seen + 1)
    return [names[c] if c < len(names) else str(c) for c in range(count)]


def shares(tally: Counter[int], classes: int) -> list[float]:
    """Percent of the queried samples in each class ``0 .. classes - 1``."""
    total = max(1, sum(tally.values()))
    return [100 * tally[c] / total for c in range(classes)]

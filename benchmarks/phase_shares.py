"""Where a finished run's time went: seconds and share per phase, from its event log.

Each ``phase`` event starts a phase that lasts until the next phase event (or the cycle's
end); the run's time is from ``run_started`` to ``run_finished``. For PAL the query splits
into ``scorer`` (training), ``score`` (pool scoring and re-scoring) and ``finetune``.

    python benchmarks/phase_shares.py runs/<name>
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from palsim.events import EventName, read_events

# Phases that belong to the strategy's query (PAL's own phases, and the query itself).
QUERY_PHASES = {"query", "scorer", "score", "finetune"}


def shares(directory: Path) -> dict[str, float]:
    """Seconds per phase, plus ``run`` (the whole) and ``in_query`` (the strategy's part)."""
    events = read_events(directory)
    seconds: dict[str, float] = defaultdict(float)
    current: tuple[str, float] | None = None
    start = end = None
    for event in events:
        kind, now = event["event"], float(event["time"])
        if kind == EventName.RUN_STARTED:
            start = now
        ends = (EventName.PHASE, EventName.CYCLE_FINISHED, EventName.RUN_FINISHED)
        if kind in ends and current is not None:
            seconds[current[0]] += now - current[1]
            current = None
        if kind == EventName.PHASE:
            current = (event["phase"], now)
        if kind == EventName.RUN_FINISHED:
            end = now
    if start is None or end is None:
        raise SystemExit(f"error: {directory} holds no finished run")
    seconds["run"] = end - start
    seconds["in_query"] = sum(value for key, value in seconds.items() if key in QUERY_PHASES)
    return dict(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    args = parser.parse_args()
    result = shares(args.run)
    for phase, value in sorted(result.items(), key=lambda item: -item[1]):
        print(f"{phase:10} {value:8.1f} s  {value / result['run']:6.1%}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

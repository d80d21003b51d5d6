"""Stands in for `python -m palsim run ... --out X --name Y` in the launch tests.

Writes a run folder like the engine, then idles until SIGINT, which it answers the way
the engine does: a run_finished event with status "interrupted", and exit code 130.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from fake_run import append_events, run_events

from palsim.events import EventName


def main(argv: list[str]) -> int:
    options = dict(zip(argv[1::2], argv[2::2], strict=False))
    run_dir = Path(options["--out"]) / options["--name"]
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps({"name": run_dir.name}))
    print("study started", flush=True)
    try:
        append_events(run_dir, run_events(run_dir.name, cycles=1, finished=False))
        time.sleep(30)
    except KeyboardInterrupt:
        append_events(run_dir, [{"event": EventName.RUN_FINISHED, "status": "interrupted"}])
        print("interrupted at a safe point", flush=True)
        return 130
    return 0


if __name__ == "__main__":
    # argv as the dashboard passes it: -m palsim run --out X --name Y
    sys.exit(main(sys.argv[sys.argv.index("palsim") + 1 :]))

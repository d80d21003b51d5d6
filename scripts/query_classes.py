"""What each strategy asks for: the classes of the queried samples of the finished runs under
a folder, as a Markdown table (% of each group's queries, over its runs, cycles and oracles).

A group is a strategy with its ``-S`` options; ``--oracle`` keeps one oracle's runs only. The
classes are the true labels in each run's ``query`` events (the initial set is not a query);
their names come from the runs' ``run_started`` event (:mod:`palsim.report.queries`).

    python scripts/query_classes.py runs-cold/main
    python scripts/query_classes.py runs-cold --oracle noisy:0.2
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from palsim.events import plain
from palsim.report.aggregate import setting_text
from palsim.report.queries import class_header, queried_classes, shares
from palsim.report.runs import collect


def group_name(config: dict[str, object]) -> str:
    options = config.get("strategy_options") or {}
    if not isinstance(options, dict) or not options:
        return str(config["strategy"])
    return f"{config['strategy']} {setting_text('strategy_options', options)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--oracle", help="only the runs of this oracle spec")
    args = parser.parse_args()
    runs, skipped, _ = collect(args.root)
    counts: dict[str, Counter[int]] = {}
    names: list[str] = []
    for run in runs:
        if args.oracle and run.oracle != args.oracle:
            continue
        tally, listed = queried_classes(run.directory)
        counts.setdefault(group_name(run.config), Counter()).update(tally)
        names = names or listed
    if not counts:
        raise SystemExit(f"error: no finished run under {args.root} ({len(skipped)} skipped)")
    header = class_header(names, list(counts.values()))
    print("| strategy | " + " | ".join(header) + " | queries |")
    print("|---|" + "---|" * (len(header) + 1))
    for group, tally in sorted(counts.items()):
        cells = " | ".join(f"{share:.0f}" for share in shares(tally, len(header)))
        print(f"| {plain(group)} | {cells} | {sum(tally.values())} |")


if __name__ == "__main__":
    main()

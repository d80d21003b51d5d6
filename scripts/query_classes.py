"""What each strategy asks for: the classes of the queried samples of the finished runs under
a folder, as a Markdown table (% of each group's queries, over its runs, cycles and oracles).

A group is a strategy with its ``-S`` options; ``--oracle`` keeps one oracle's runs only. The
classes are the true labels in each run's ``query`` events (the initial set is not a query);
their names come from the runs' ``run_started`` event.

    python scripts/query_classes.py runs-cold/main
    python scripts/query_classes.py runs-cold --oracle noisy:0.2
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from palsim.events import EventName, plain, read_events
from palsim.report.aggregate import listed_class_names, setting_text
from palsim.report.runs import collect


def group_name(config: dict[str, object]) -> str:
    options = config.get("strategy_options") or {}
    if not isinstance(options, dict) or not options:
        return str(config["strategy"])
    return f"{config['strategy']} {setting_text('strategy_options', options)}"


def class_ids(labels: object) -> list[int]:
    """The class ids of a query event's ``true_labels``; anything else in a copied run folder
    (not a list, not a non-negative integer) is left out."""
    if not isinstance(labels, list):
        return []
    return [label for label in labels if type(label) is int and label >= 0]


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
        tally = counts.setdefault(group_name(run.config), Counter())
        events = read_events(run.directory)
        for event in events:
            if event.get("event") == EventName.QUERY:
                tally.update(class_ids(event.get("true_labels")))
        if not names and events:
            names = [plain(name) for name in listed_class_names(events[0]) or []]
    if not counts:
        raise SystemExit(f"error: no finished run under {args.root} ({len(skipped)} skipped)")
    classes = max(len(names), 1 + max(max(tally, default=0) for tally in counts.values()))
    header = [names[c] if c < len(names) else str(c) for c in range(classes)]
    print("| strategy | " + " | ".join(header) + " | queries |")
    print("|---|" + "---|" * (classes + 1))
    for group, tally in sorted(counts.items()):
        total = max(1, sum(tally.values()))
        shares = " | ".join(f"{100 * tally[c] / total:.0f}" for c in range(classes))
        print(f"| {plain(group)} | {shares} | {sum(tally.values())} |")


if __name__ == "__main__":
    main()

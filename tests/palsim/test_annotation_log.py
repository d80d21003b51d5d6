"""annotations.csv is what crowd-labeling tools read: task, worker, label (crowd-kit's names),
plus each item's true label and the cycle that asked it. A majority vote over the log, with
no renaming, aggregates it and scores itself against the true labels in it."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import read_events
from tests.conftest import requires_fashion_mnist, tiny_study_args


def majority_vote(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """task -> the labels with the most votes (several when tied)."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        votes[row["task"]][row["label"]] += 1
    return {
        task: [label for label, n in counts.items() if n == max(counts.values())]
        for task, counts in votes.items()
    }


@requires_fashion_mnist
def test_majority_vote_over_the_log_scores_itself_against_the_true_labels(tmp_path) -> None:
    oracle = "annotators:5:0.1-0.4:vote=3"
    args = tiny_study_args(tmp_path, "crowd", oracle=oracle, cycles=2, epochs=1)
    result = CliRunner().invoke(app, ["run", *args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "crowd" / "annotations.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["task", "worker", "label", "true_label", "cycle"]
    # Three answers per item; the initial set (60 items) is cycle -1, the one query cycle 0.
    assert Counter(row["cycle"] for row in rows) == {"-1": 3 * 60, "0": 3 * 60}
    truth = {row["task"]: row["true_label"] for row in rows}
    assert all(
        truth[row["task"]] == row["true_label"] and row["worker"].startswith("a") for row in rows
    )

    # The oracle's own answer per item is the plurality of the same three votes (ties drawn at
    # random), so a majority vote over the log agrees with it wherever there is no tie, and its
    # accuracy against true_label is that of the labels the run trained on.
    winners = majority_vote(rows)
    given: dict[str, int] = {}
    for event in read_events(tmp_path / "crowd"):
        fields = event.get("initial") or (event if event["event"] == "query" else None)
        if fields:
            given.update(zip(map(str, fields["indices"]), fields["oracle_labels"], strict=True))
    assert set(given) == set(winners) and len(winners) == 120
    assert all(str(given[task]) in labels for task, labels in winners.items())
    untied = [task for task, labels in winners.items() if len(labels) == 1]
    right = sum(winners[task][0] == truth[task] for task in untied)
    trained_right = sum(str(given[task]) == truth[task] for task in untied)
    assert right == trained_right and 0.5 < right / len(untied) < 1.0
    summary = json.loads(result.stdout)
    assert summary["cycles"][-1]["noisy_labels"] == sum(
        str(given[task]) != truth[task] for task in winners
    )

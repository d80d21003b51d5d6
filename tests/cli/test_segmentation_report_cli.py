"""`palsim sweep` on fashion-scenes, then `palsim report --metric miou --baseline random`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.store import read_summary
from tests.conftest import requires_fashion_mnist
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()
T_975_1 = 12.706204736174698  # t(0.975, 1 dof)

TINY = [
    *("--pool-size", "120", "--initial", "12", "--budget", "12", "--cycles", "2"),
    *("--epochs", "1", "--min-steps", "4", "--batch-size", "8", "--device", "cpu"),
    *("--test-size", "40", "--jobs", "2"),
]


@requires_fashion_mnist
def test_sweep_then_paired_miou_report(tmp_path) -> None:
    grid = ["--strategy", "random,entropy", "--oracle", "segment-flip:0.2", "--seeds", "0-1"]
    sweep = runner.invoke(
        app, ["sweep", "--dataset", "fashion-scenes", *grid, *TINY, "--out", str(tmp_path)]
    )
    assert sweep.exit_code == 0, sweep.output
    final = {
        (summary["config"]["strategy"], summary["config"]["seed"]): summary["cycles"][-1][
            "test_miou"
        ]
        for summary in (read_summary(path) for path in sorted(tmp_path.iterdir()))
    }
    assert len(final) == 4

    args = ["report", str(tmp_path), "--metric", "miou", "--baseline", "random", "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert value["metric"]["key"] == "test_miou" and value["skipped"] == []
    entropy, random = value["groups"]
    assert (entropy["strategy"], random["strategy"]) == ("entropy", "random")
    assert random["final_miou"]["mean"] == pytest.approx(
        (final["random", 0] + final["random", 1]) / 2
    )
    assert len(random["iou_per_class_last_cycle"]) == 11
    (compared,) = value["paired"]["comparisons"]
    differences = [final["entropy", seed] - final["random", seed] for seed in (0, 1)]
    last = compared["cycles"][-1]
    assert last["n"] == 2 and last["mean"] == pytest.approx(sum(differences) / 2)
    half_width = T_975_1 * abs(differences[0] - differences[1]) / 2
    assert last["ci95_high"] - last["mean"] == pytest.approx(half_width)

    # Beside a Fashion-MNIST run, the default metric cannot choose: one line, exit 2.
    write_run(tmp_path, "mnist", "random", "perfect", 0, [0.5, 0.6, 0.7])
    mixed = runner.invoke(app, ["report", str(tmp_path)])
    assert mixed.exit_code == 2 and mixed.stdout == ""
    assert (
        mixed.stderr.startswith("error: runs of both tasks here") and mixed.stderr.count("\n") == 1
    )

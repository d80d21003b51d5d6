"""`palsim run` on a segmentation dataset: refusals before any data loads, exact messages;
PAL end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import read_events
from tests.conftest import requires_fashion_mnist

runner = CliRunner()
ABLE = "coreset, entropy, least-confidence, margin, pal, random"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--strategy", "bald"],
            "strategy 'bald' cannot query for segmentation (fashion-scenes is a segmentation "
            f"dataset); choose one of: {ABLE}",
        ),
        (
            ["--strategy", "pal", "-S", "lambda_div=1"],
            "PAL -S lambda_div=1: sub-queries and their diversity score exist for the rotation "
            "pretext on classification only, not contrastive on segmentation",
        ),
        (
            ["--strategy", "pal", "-S", "pretext=rotation", "-S", "subquery_size=10"],
            "PAL -S subquery_size=10: sub-queries and their diversity score exist for the "
            "rotation pretext on classification only, not rotation on segmentation",
        ),
        (["--model", "small-cnn"], "unknown segmentation model 'small-cnn'; choose one of: "),
        (["--oracle", "noisy:0.2"], "bad mask oracle spec 'noisy:0.2': "),
    ],
)
def test_what_segmentation_cannot_do_is_refused_in_one_line(tmp_path, args, message) -> None:
    result = runner.invoke(
        app, ["run", "--dataset", "fashion-scenes", "--out", str(tmp_path), *args]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}")
    assert result.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())  # no run folder left behind


@requires_fashion_mnist
def test_pal_runs_on_fashion_scenes_and_reports_its_scorer(tmp_path) -> None:
    tiny = ["--pool-size", "120", "--initial", "12", "--budget", "12", "--cycles", "2"]
    fast = ["--epochs", "1", "--min-steps", "4", "--batch-size", "8", "--test-size", "40"]
    result = runner.invoke(
        app,
        ["run", "--dataset", "fashion-scenes", "--strategy", "pal", "--oracle", "segment-flip:0.2",
         "--out", str(tmp_path), "--name", "pal", "--device", "cpu", *tiny, *fast, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first, last = json.loads(result.stdout)["cycles"]
    assert [first["labeled"], last["labeled"]] == [12, 24]
    values = first["diagnostics"]
    for key in ("pal_contrastive_accuracy_pool", "pal_pixel_accuracy_labeled"):
        assert 0 <= values[key] <= 1
    assert values["pal_contrastive_chance_labeled"] == pytest.approx(1 / 12)  # one group of 12
    phases = [e.get("detail") for e in read_events(tmp_path / "pal") if e["event"] == "phase"]
    assert "small-fcn on 12, contrastive pretext" in phases

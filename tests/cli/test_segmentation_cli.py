"""`palsim run` on a segmentation dataset: refusals before any data loads, exact messages."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from palsim.cli import app

runner = CliRunner()
ABLE = "coreset, entropy, least-confidence, margin, random"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--strategy", "bald"],
            "strategy 'bald' cannot query for segmentation (fashion-scenes is a segmentation "
            f"dataset); choose one of: {ABLE}",
        ),
        (
            ["--strategy", "pal"],
            "strategy 'pal' cannot query for segmentation (fashion-scenes is a segmentation "
            f"dataset); choose one of: {ABLE}",
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

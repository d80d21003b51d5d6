"""idn:P and confusion:P end to end on Fashion-MNIST: the matrix, the run's rate, fixed answers.

The reference classifier is trained on 2,000 images per fold here (``train=2000``, a few
seconds); the default trains on every image of its half.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.events import read_events
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()
TOPS = {0, 2, 4, 6}  # T-shirt/top, Pullover, Coat, Shirt


def shown_matrix(spec: str) -> tuple[np.ndarray, str]:
    result = runner.invoke(app, ["oracles", "show", spec])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    numbers = [row[-10:] for row in rows if len(row) >= 11 and row[-1].startswith("0.")]
    return np.array(numbers, dtype=float), result.stdout


@requires_fashion_mnist
def test_confusion_mixes_up_the_tops_of_fashion_mnist() -> None:
    matrix, text = shown_matrix("confusion:0.2:train=2000")
    assert matrix.shape == (10, 10)
    assert "mean noise rate 0.200" in text
    assert "reference classifier linear: test accuracy 0.7" in text
    off_diagonal = np.where(np.eye(10, dtype=bool), -1.0, matrix)
    largest = np.argsort(off_diagonal, axis=None)[::-1][:5]
    pairs = [divmod(int(flat), 10) for flat in largest]
    assert all(true in TOPS and given in TOPS for true, given in pairs), pairs


@requires_fashion_mnist
def test_idn_wrong_classes_differ_within_a_class() -> None:
    matrix, text = shown_matrix("idn:0.2")
    assert "mean noise rate 0.20" in text
    # Not uniform: some wrong class gets far more than its 0.2 / 9 = 0.022 share.
    assert (np.where(np.eye(10, dtype=bool), 0, matrix).max(axis=1) > 0.05).all()


def realised_rate(out: Path, oracle: str) -> float:
    args = tiny_study_args(
        out,
        oracle.partition(":")[0],
        oracle=oracle,
        pool_size=2000,
        initial=1000,
        cycles=1,
        epochs=1,
    )
    result = runner.invoke(app, ["run", *args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["cycles"][0]["noise_rate"]


@requires_fashion_mnist
@pytest.mark.parametrize("oracle", ["idn:0.3", "confusion:0.3:train=2000"])
def test_a_run_realises_the_rate_within_three_points(tmp_path, oracle: str) -> None:
    assert abs(realised_rate(tmp_path, oracle) - 0.3) < 0.03


def answers_of(directory: Path) -> dict[int, int]:
    answers: dict[int, int] = {}
    for event in read_events(directory):
        fields = event.get("initial") if event["event"] == "run_started" else event
        if event["event"] in ("run_started", "query"):
            answers.update(zip(fields["indices"], fields["oracle_labels"], strict=True))
    return answers


@requires_fashion_mnist
@pytest.mark.parametrize("oracle", ["idn:0.3", "confusion:0.3:train=2000"])
def test_two_strategies_get_the_same_answer_for_the_same_image(tmp_path, oracle: str) -> None:
    runs = {}
    for strategy in ("random", "margin"):
        args = tiny_study_args(
            tmp_path,
            strategy,
            oracle=oracle,
            strategy=strategy,
            pool_size=300,
            initial=40,
            budget=100,
            epochs=1,
        )
        result = runner.invoke(app, ["run", *args, "--quiet"])
        assert result.exit_code == 0, result.output
        runs[strategy] = answers_of(tmp_path / strategy)
    shared = sorted(set(runs["random"]) & set(runs["margin"]))
    assert len(shared) > 100
    assert [runs["random"][i] for i in shared] == [runs["margin"][i] for i in shared]


@requires_fashion_mnist
def test_an_unknown_reference_model_is_one_line_and_leaves_no_run(tmp_path) -> None:
    message = "error: unknown model 'vgg'; choose one of: small-cnn, resnet18, linear\n"
    shown = runner.invoke(app, ["oracles", "show", "confusion:0.3:model=vgg"])
    assert (shown.exit_code, shown.stderr) == (2, message)
    args = tiny_study_args(tmp_path, "vgg", oracle="confusion:0.3:model=vgg")
    result = runner.invoke(app, ["run", *args, "--quiet"])
    assert (result.exit_code, result.stderr) == (2, message)
    assert not (tmp_path / "vgg").exists()

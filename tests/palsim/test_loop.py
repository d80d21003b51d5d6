"""End-to-end studies on a small Fashion-MNIST pool, and the loop's checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from palsim.config import RunConfig
from palsim.events import EventName, read_events
from palsim.loop import check_selection, choose_pool, score_summary, validate_sizes
from palsim.runner import UsageError, prepare, run
from palsim.strategies.base import Selection
from palsim.train import native_bf16
from tests.conftest import requires_fashion_mnist


def tiny(tmp_path, name: str, **changes: object) -> RunConfig:
    values: dict = dict(
        out=str(tmp_path),
        name=name,
        pool_size=600,
        initial="60",
        budget="60",
        cycles=3,
        epochs=2,
        min_steps=0,
        device="cpu",
        strategy="entropy",
        test_size=1000,
    )
    values.update(changes)
    return RunConfig(**values)


def queries(directory) -> list[list[int]]:
    return [e["indices"] for e in read_events(directory) if e["event"] == EventName.QUERY]


@requires_fashion_mnist
def test_same_seed_gives_same_queries_and_accuracies(tmp_path) -> None:
    first = run(tiny(tmp_path, "a"))
    second = run(tiny(tmp_path, "b"))
    assert first["status"] == "finished"
    assert [c["labeled"] for c in first["cycles"]] == [60, 120, 180]
    assert queries(tmp_path / "a") == queries(tmp_path / "b")
    assert [c["test_accuracy"] for c in first["cycles"]] == [
        c["test_accuracy"] for c in second["cycles"]
    ]
    other = run(tiny(tmp_path, "c", seed=1))
    assert queries(tmp_path / "c") != queries(tmp_path / "a")
    assert other["config"]["seed"] == 1
    # What "auto" computed in is logged: bf16 on a CPU with native bf16, fp32 on others.
    (started,) = [e for e in read_events(tmp_path / "a") if e["event"] == EventName.RUN_STARTED]
    assert started["precision"] == ("bf16" if native_bf16() else "fp32")


@requires_fashion_mnist
def test_noisy_oracle_realises_its_rate(tmp_path) -> None:
    summary = run(
        tiny(tmp_path, "noisy", oracle="noisy:0.3", initial="300", budget="100", cycles=2, epochs=1)
    )
    last = summary["cycles"][-1]
    assert last["labeled"] == 400
    # 400 draws at p = 0.3: the count lies within 4 standard deviations of 120.
    assert abs(last["noisy_labels"] - 120) < 4 * np.sqrt(400 * 0.3 * 0.7)
    assert last["noise_rate"] == last["noisy_labels"] / 400
    assert summary["cycles"][0]["label_cost"] == 100.0  # one unit per label
    assert last["total_label_cost"] == 400.0
    lines = (tmp_path / "noisy" / "annotations.csv").read_text().splitlines()
    assert lines[0] == "task,worker,label,true_label,cycle" and len(lines) == 1 + 400


@requires_fashion_mnist
def test_excluded_classes_stay_out_of_the_initial_set(tmp_path) -> None:
    summary = run(tiny(tmp_path, "novel", exclude_classes="0,1", cycles=2, epochs=1))
    assert summary["cycles"][0]["novel_found"] == 0
    # Cycle 1's labeled set holds the initial set and cycle 0's query: the novel samples in it
    # are the queried ones of classes 0 and 1.
    (query,) = [e for e in read_events(tmp_path / "novel") if e["event"] == EventName.QUERY]
    novel_queried = sum(label in (0, 1) for label in query["true_labels"])
    assert summary["cycles"][1]["novel_found"] == novel_queried


@requires_fashion_mnist
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"budget": "400"},
            "initial set (60) + 2 queries of 400 = 860 samples exceeds the pool of 600",
        ),
        ({"initial": "1"}, "the initial labeled set needs at least 2 samples, got 1"),
        ({"strategy": "nope"}, "unknown strategy 'nope'; choose one of: "),
        ({"dataset": "nope"}, "unknown dataset 'nope'; choose one of: fashion-mnist"),
        ({"oracle": "noisy:2"}, "bad oracle spec 'noisy:2'"),
    ],
)
def test_bad_studies_are_usage_errors(tmp_path, changes, message) -> None:
    with pytest.raises(UsageError) as error:
        prepare(tiny(tmp_path, "bad", **changes))
    assert message in str(error.value)
    assert not (tmp_path / "bad").exists()


def test_validate_sizes_and_pool_choice() -> None:
    validate_sizes(100, 10, 30, 4)
    with pytest.raises(ValueError, match="cycles must be at least 1"):
        validate_sizes(100, 10, 30, 0)
    pool = choose_pool(1000, 100, seed=3)
    assert len(pool) == 100 and np.all(np.diff(pool) > 0)
    assert np.array_equal(pool, choose_pool(1000, 100, seed=3))
    assert len(choose_pool(1000, None, seed=3)) == 1000


def test_check_selection_rejects_bad_strategy_output() -> None:
    unlabeled = torch.tensor([3, 4, 5, 6])
    assert check_selection(Selection(torch.tensor([4, 6])), unlabeled, 2, "x").tolist() == [4, 6]
    with pytest.raises(RuntimeError, match="expected 2 distinct"):
        check_selection(Selection(torch.tensor([4, 4])), unlabeled, 2, "x")
    with pytest.raises(RuntimeError, match="outside the unlabeled pool"):
        check_selection(Selection(torch.tensor([1, 4])), unlabeled, 2, "x")


def test_score_summary_histogram_counts_every_score() -> None:
    summary = score_summary(torch.tensor([0.0, 0.5, 1.0, 1.0]), bins=4)
    assert summary is not None
    assert summary["min"] == 0.0 and summary["max"] == 1.0 and summary["mean"] == 0.625
    assert sum(summary["histogram"]["counts"]) == 4
    assert score_summary(None) is None


@requires_fashion_mnist
def test_cycle_records_carry_the_task_models_fit_and_warnings(tmp_path) -> None:
    summary = run(tiny(tmp_path, "fit", oracle="noisy:0.4", cycles=2, epochs=1))
    for record in summary["cycles"]:
        fit = record["diagnostics"]
        assert {"train_loss", "train_accuracy", "train_accuracy_true"} <= set(fit)
        assert 0.0 <= fit["train_accuracy"] <= 1.0 and fit["train_loss"] > 0
        # 40% of the given labels are wrong: the two accuracies differ.
        assert fit["train_accuracy"] != fit["train_accuracy_true"]
        # One optimizer step per cycle (1 epoch, no floor) leaves the model near chance.
        assert fit["train_accuracy"] < 0.325
        assert record["warnings"][0].startswith("task model ends the cycle near chance")
    warned = [e for e in read_events(tmp_path / "fit") if e["event"] == "warning"]
    assert len(warned) == sum(len(r["warnings"]) for r in summary["cycles"])

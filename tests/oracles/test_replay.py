import json
from pathlib import Path

import numpy as np
import pytest

import oracles
from oracles.replay import ReplayOracle

CLEAN = np.array([0, 1, 2, 0, 1, 2, 0, 1])
WORST = np.array([1, 1, 0, 0, 2, 2, 0, 0])
RANDOM1 = np.array([0, 1, 2, 0, 1, 0, 0, 1])


def cifar10n_export(folder: Path) -> Path:
    """A small file with CIFAR-10N's key names, as the documented conversion writes it."""
    path = folder / "human.npz"
    np.savez(path, clean_label=CLEAN, worse_label=WORST, random_label1=RANDOM1)
    return path


def ask(oracle: oracles.Oracle, indices: list[int]) -> oracles.Annotation:
    items = np.array(indices)
    return oracle.annotate(items, CLEAN[items], np.random.default_rng(0))


def test_serves_the_chosen_column_by_training_index(tmp_path: Path) -> None:
    oracle = oracles.parse(f"replay:{cifar10n_export(tmp_path)}:worst", 3)
    reply = ask(oracle, [7, 0, 4])
    assert reply.labels.tolist() == [0, 1, 2]
    assert [(a.item, a.annotator, a.label) for a in reply.answers] == [
        (7, "worst", 0),
        (0, "worst", 1),
        (4, "worst", 2),
    ]
    assert reply.cost == 3.0


def test_transition_matrix_is_the_confusion_against_clean(tmp_path: Path) -> None:
    oracle = oracles.parse(f"replay:{cifar10n_export(tmp_path)}:worst", 3)
    # clean 0 -> worst 1, 0, 0; clean 1 -> 1, 2, 0; clean 2 -> 0, 2
    expected = np.array([[2 / 3, 1 / 3, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0, 0.5]])
    np.testing.assert_allclose(oracle.transition_matrix(), expected)


def test_without_clean_column_the_matrix_is_estimated_from_answers(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"human": WORST.tolist()}))
    oracle = oracles.parse(f"replay:{path}", 3)
    np.testing.assert_array_equal(oracle.transition_matrix(), np.eye(3))
    ask(oracle, [0, 3, 1, 2])
    expected = np.array([[0.5, 0.5, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_allclose(oracle.transition_matrix(), expected)


def test_csv_with_index_column_in_any_order(tmp_path: Path) -> None:
    order = [5, 2, 7, 0, 1, 3, 4, 6]
    lines = ["index,clean,random1"] + [f"{i},{CLEAN[i]},{RANDOM1[i]}" for i in order]
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(lines) + "\n")
    reply = ask(oracles.parse(f"replay:{path}:random1", 3), list(range(8)))
    assert reply.labels.tolist() == RANDOM1.tolist()


def test_npy_columns_are_numbered(tmp_path: Path) -> None:
    path = tmp_path / "labels.npy"
    np.save(path, np.stack([CLEAN, WORST], axis=1))
    assert ask(oracles.parse(f"replay:{path}:1", 3), [0, 2]).labels.tolist() == [1, 0]


def test_missing_label_and_unknown_item_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("index,human\n0,1\n2,0\n")
    oracle = oracles.parse(f"replay:{path}", 3)
    with pytest.raises(ValueError, match="no 'human' label for item 1"):
        ask(oracle, [0, 1])
    with pytest.raises(ValueError, match="no 'human' label for item 5"):
        ask(oracle, [5])


def test_refuses_a_file_in_another_order(tmp_path: Path) -> None:
    oracle = oracles.parse(f"replay:{cifar10n_export(tmp_path)}:worst", 3)
    with pytest.raises(ValueError, match="disagrees with the dataset at 1 of 2 items"):
        oracle.annotate(np.array([0, 1]), np.array([0, 2]), np.random.default_rng(0))


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("", "choose a column of .*: clean, worst, random1"),
        ("random2", "has no column 'random2'; it has clean, worst, random1"),
    ],
)
def test_column_must_be_chosen_and_exist(tmp_path: Path, column: str, message: str) -> None:
    path = cifar10n_export(tmp_path)
    spec = f"replay:{path}:{column}" if column else f"replay:{path}"
    with pytest.raises(ValueError, match=message):
        oracles.parse(spec, 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("l.json", '{"a": [0, 5]}', r"label 5 at item 1, outside 0\.\.2"),
        ("l.json", '{"a": [0, 1.5]}', "whole numbers"),
        ("l.json", "[0, 1]", "must map column names"),
        ("l.csv", "a,b\n1\n", "as many cells as the header"),
        ("l.csv", "a\nx\n", "cannot read"),
        ("l.pt", "", r"must end in \.npz, \.npy, \.csv or \.json"),
        ("l.npz", "not a zip", "cannot read"),
    ],
)
def test_bad_replay_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=message):
        oracles.parse(f"replay:{tmp_path / name}", 3)


def test_oracle_from_arrays_remembers_its_column_name() -> None:
    oracle = ReplayOracle("replay", 3, WORST, "worst", CLEAN)
    assert ask(oracle, [0]).answers[0].annotator == "worst"

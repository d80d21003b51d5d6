import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import oracles


def test_pair_moves_each_class_to_the_next() -> None:
    matrix = oracles.parse("pair:0.3", 4).transition_matrix()
    expected = np.array([[0.7, 0.3, 0, 0], [0, 0.7, 0.3, 0], [0, 0, 0.7, 0.3], [0.3, 0, 0, 0.7]])
    np.testing.assert_allclose(matrix, expected)


def test_cifar10_asymmetric_map() -> None:
    matrix = oracles.parse("cifar10-asym:0.4", 10).transition_matrix()
    # CIFAR-10 order: airplane 0, automobile 1, bird 2, cat 3, deer 4, dog 5, frog 6,
    # horse 7, ship 8, truck 9.
    flips = {
        (9, 1),  # truck -> automobile
        (2, 0),  # bird -> airplane
        (4, 7),  # deer -> horse
        (3, 5),  # cat -> dog
        (5, 3),  # dog -> cat
    }
    expected = np.eye(10)
    for source, target in flips:
        expected[source, source] = 0.6
        expected[source, target] = 0.4
    np.testing.assert_allclose(matrix, expected)


@pytest.mark.parametrize(("spec", "classes"), [("pair:0.3", 4), ("cifar10-asym:0.4", 10)])
def test_empirical_confusion_matches_transition_matrix(
    spec: str, classes: int, empirical_counts: Any, assert_matches_matrix: Any
) -> None:
    oracle = oracles.parse(spec, classes)
    assert_matches_matrix(empirical_counts(oracle, 10_000, seed=4), oracle.transition_matrix())


MATRIX = np.array([[0.8, 0.2, 0.0], [0.1, 0.6, 0.3], [0.0, 0.0, 1.0]])


def write_matrix(folder: Path, suffix: str, matrix: np.ndarray) -> Path:
    path = folder / f"noise{suffix}"
    if suffix == ".csv":
        path.write_text("# T[true, given]\n" + "\n".join(",".join(map(str, r)) for r in matrix))
    elif suffix == ".npy":
        np.save(path, matrix)
    else:
        path.write_text(json.dumps({"matrix": matrix.tolist()}))
    return path


@pytest.mark.parametrize("suffix", [".csv", ".npy", ".json"])
def test_matrix_file_is_read_rows_as_true_class(
    tmp_path: Path, suffix: str, empirical_counts: Any, assert_matches_matrix: Any
) -> None:
    oracle = oracles.parse(f"matrix:{write_matrix(tmp_path, suffix, MATRIX)}", 3)
    np.testing.assert_allclose(oracle.transition_matrix(), MATRIX)
    assert_matches_matrix(empirical_counts(oracle, 10_000, seed=5), MATRIX)


def test_matrix_json_may_be_a_plain_list(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(MATRIX.tolist()))
    np.testing.assert_allclose(oracles.parse(f"matrix:{path}", 3).transition_matrix(), MATRIX)


def test_bad_row_is_named(tmp_path: Path) -> None:
    bad = MATRIX.copy()
    bad[1] = [0.1, 0.5, 0.3]
    path = write_matrix(tmp_path, ".csv", bad)
    with pytest.raises(ValueError, match=r"row 1 \(true class 1\) sums to 0\.9, not 1"):
        oracles.parse(f"matrix:{path}", 3)


def test_negative_entry_is_named(tmp_path: Path) -> None:
    bad = MATRIX.copy()
    bad[2] = [-0.5, 0.5, 1.0]
    path = write_matrix(tmp_path, ".npy", bad)
    with pytest.raises(ValueError, match=r"row 2 \(true class 2\) has a negative"):
        oracles.parse(f"matrix:{path}", 3)


def test_wrong_shape_for_the_class_count(tmp_path: Path) -> None:
    path = write_matrix(tmp_path, ".json", MATRIX)
    with pytest.raises(ValueError, match=r"is 3x3 but the dataset has 4 classes"):
        oracles.parse(f"matrix:{path}", 4)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.txt", "1,0\n0,1", "must end in .csv, .npy or .json"),
        ("m.csv", "1,0\n0", "cannot read"),
        ("m.json", '[[1, 0], [0, "x"]]', "not a matrix of numbers"),
        ("m.json", "[1, 0]", "not a 2-D matrix"),
        ("m.npy", "not numpy", "cannot read"),
    ],
)
def test_unreadable_matrix_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=message):
        oracles.parse(f"matrix:{tmp_path / name}", 2)


def test_missing_matrix_file() -> None:
    with pytest.raises(ValueError, match=r"cannot read 'nowhere\.csv'"):
        oracles.parse("matrix:nowhere.csv", 2)

"""Replay of real human labels from a file: each item's answer is what a person said.

The file holds, per training index, one or more columns of human answers; the spec chooses
the column to serve. The layout follows CIFAR-10N (Wei et al. 2022, arXiv 2110.12088): columns
``clean``, ``aggregate`` (majority of three), ``worst`` (a wrong one when any of the three was
wrong), ``random1``, ``random2``, ``random3``. The official CIFAR-10N file is a torch ``.pt``;
palsim reads numpy-only exports of it (see ``docs/oracles.md``), and the official key names
(``clean_label``, ``aggre_label``, ``worse_label``, ``random_label1``..) are understood too.

Formats: ``.npz`` (one 1-D array per column), ``.csv`` (a header row of column names, then one
row per training index, or an ``index`` column giving it), ``.json`` (an object mapping
column names to lists, optionally with an ``index`` list), ``.npy`` (1-D: one column named
``0``; 2-D: columns named ``0``, ``1``, ...). A label of -1 means "no answer for this item".
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from oracles.base import Annotation, Oracle
from oracles.files import READ_ERRORS, read_json

#: CIFAR-10N's key names -> palsim's column names.
CIFAR10N_ALIASES = {
    "clean_label": "clean",
    "aggre_label": "aggregate",
    "worse_label": "worst",
    "random_label1": "random1",
    "random_label2": "random2",
    "random_label3": "random3",
}
MISSING = -1


class ReplayOracle(Oracle):
    """Serves ``labels[index]`` (one column of a human-label file) for each training index.

    If the file has a ``clean`` column, the transition matrix is the confusion of the served
    column against it over the whole file, and a request whose true labels disagree with
    ``clean`` is refused (the file is not in this dataset's training order). Without one, the
    matrix is estimated from the items answered so far (identity rows for unseen classes).
    """

    def __init__(
        self,
        spec: str,
        num_classes: int,
        labels: np.ndarray,
        column: str,
        clean: np.ndarray | None = None,
    ) -> None:
        super().__init__(spec, num_classes)
        self.annotator_name = column
        self.labels = _check_labels(labels, num_classes, column)
        self.clean = None if clean is None else _check_labels(clean, num_classes, "clean")
        self._counts = np.zeros((num_classes, num_classes))
        if self.clean is not None:
            if len(self.clean) != len(self.labels):
                raise ValueError(f"columns 'clean' and {column!r} differ in length")
            answered = (self.labels != MISSING) & (self.clean != MISSING)
            np.add.at(self._counts, (self.clean[answered], self.labels[answered]), 1)

    def _draw(
        self, indices: np.ndarray, true_labels: np.ndarray, rng: np.random.Generator
    ) -> Annotation:
        bad = (indices < 0) | (indices >= len(self.labels))
        if not bad.any():
            bad = self.labels[indices] == MISSING
        if bad.any():
            item = int(indices[np.argmax(bad)])
            raise ValueError(f"replay file has no {self.annotator_name!r} label for item {item}")
        if self.clean is not None:
            _check_order(self.clean, indices, true_labels)
        else:
            np.add.at(self._counts, (true_labels, self.labels[indices]), 1)
        labels = self.labels[indices].copy()
        return self.single_reply(indices, labels)

    def transition_matrix(self) -> np.ndarray:
        totals = self._counts.sum(axis=1, keepdims=True)
        seen = np.divide(self._counts, totals, out=np.zeros_like(self._counts), where=totals > 0)
        return np.where(totals > 0, seen, np.eye(self.num_classes))


def load_replay(path: str, column: str | None, num_classes: int, spec: str) -> ReplayOracle:
    """Read a human-label file and serve ``column`` (required when the file has several)."""
    columns = read_label_columns(path)
    if column is None:
        if len(columns) != 1:
            raise ValueError(f"choose a column of {path!r}: {', '.join(columns)}")
        column = next(iter(columns))
    if column not in columns:
        raise ValueError(f"{path!r} has no column {column!r}; it has {', '.join(columns)}")
    return ReplayOracle(spec, num_classes, columns[column], column, columns.get("clean"))


def read_label_columns(path: str) -> dict[str, np.ndarray]:
    """The file's label columns by name (CIFAR-10N key names renamed), each indexed by item."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".npz", ".npy", ".csv", ".json"):
        raise ValueError(f"replay file {path!r} must end in .npz, .npy, .csv or .json")
    try:
        raw = _read_raw(path, suffix)
        columns = {CIFAR10N_ALIASES.get(name, name): _as_labels(v, name) for name, v in raw.items()}
    except READ_ERRORS as error:
        raise ValueError(f"cannot read replay file {path!r}: {error}") from None
    if not columns:
        raise ValueError(f"replay file {path!r} has no label columns")
    if len({len(labels) for labels in columns.values()}) != 1:
        raise ValueError(f"the columns of replay file {path!r} differ in length")
    index = columns.pop("index", None)
    if index is None:
        return columns
    if index.min(initial=0) < 0 or len(np.unique(index)) != len(index):
        raise ValueError(f"replay file {path!r}: the index column must hold distinct indices >= 0")
    size = int(index.max(initial=-1)) + 1
    placed = {}
    for name, labels in columns.items():
        placed[name] = np.full(size, MISSING, dtype=np.int64)
        placed[name][index] = labels
    return placed


def _read_raw(path: str, suffix: str) -> dict[str, object]:
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    if suffix == ".npy":
        array = np.load(path, allow_pickle=False)
        if array.ndim == 1:
            return {"0": array}
        if array.ndim != 2:
            raise ValueError("a .npy replay file must be 1-D or 2-D")
        return {str(c): array[:, c] for c in range(array.shape[1])}
    if suffix == ".json":
        content = read_json(path)
        if not isinstance(content, dict):
            raise ValueError("a .json replay file must map column names to lists of labels")
        return content
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError("the file is empty")
    header, body = [name.strip() for name in rows[0]], rows[1:]
    if any(len(row) != len(header) for row in body):
        raise ValueError("every row must have as many cells as the header")
    return {name: [row[c] for row in body] for c, name in enumerate(header)}


def _as_labels(values: object, name: str) -> np.ndarray:
    """A 1-D int64 array of class labels (-1 for none), or ValueError."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"column {name!r} must be a 1-D list of whole numbers")
    if array.dtype.kind in "US":
        array = np.array([str(v).strip() or MISSING for v in array.tolist()], dtype=float)
    array = np.asarray(array, dtype=float)
    if array.ndim != 1 or not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
        raise ValueError(f"column {name!r} must be a 1-D list of whole numbers")
    return array.astype(np.int64)


def _check_labels(labels: np.ndarray, num_classes: int, column: str) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    bad = (labels < MISSING) | (labels >= num_classes)
    if bad.any():
        raise ValueError(
            f"column {column!r} holds label {labels[np.argmax(bad)]} at item {np.argmax(bad)}, "
            f"outside 0..{num_classes - 1} (or -1 for none)"
        )
    return labels


def _check_order(clean: np.ndarray, indices: np.ndarray, true_labels: np.ndarray) -> None:
    given = clean[indices]
    wrong = (given != MISSING) & (given != true_labels)
    if wrong.any():
        raise ValueError(
            f"the replay file's clean label disagrees with the dataset at {int(wrong.sum())} of "
            f"{len(indices)} items (first: item {int(indices[np.argmax(wrong)])}); is the file "
            "for this dataset, in training-set order?"
        )

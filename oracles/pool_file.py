"""Annotator pool files: a JSON list of annotators, each with a rate, per-class rates or a
confusion matrix, and a cost per label (the format is in ``docs/oracles.md``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from oracles.base import AnnotatorProfile, Oracle
from oracles.files import as_matrix, read_json, read_matrix
from oracles.uniform import uniform_matrix

POOL_FILE_KEYS = {"annotators", "routing", "vote"}
ANNOTATOR_KEYS = {"id", "rate", "rates", "matrix", "spec", "cost"}
#: Builds a single-annotator model from a spec (``oracles.spec.parse``, passed in by it).
SpecParser = Callable[[str, int], Oracle]
#: The "rates" key that gives the error rate of every class no group names.
OTHER_CLASSES = "*"


def load_pool(
    path: str, num_classes: int, parse_spec: SpecParser
) -> tuple[list[AnnotatorProfile], dict[str, Any]]:
    """Read a pool file; return its annotators and its options (``routing``, ``vote``).

    The file is a JSON object ``{"annotators": [...], "routing": "random", "vote": 1}`` (or just
    the list); each annotator is ``{"id": "ann", "rate": 0.2, "cost": 1.0}`` or has a
    ``"matrix"`` (rows of ``T[true, given]``, or the path of a matrix file, relative to the
    JSON file) instead of a rate.
    """
    content = read_json(path)
    if isinstance(content, list):
        content = {"annotators": content}
    if not isinstance(content, dict):
        raise ValueError(f"pool file {path!r} must hold a JSON object or list")
    _no_unknown_keys(content, POOL_FILE_KEYS, f"pool file {path!r}")
    entries = content.get("annotators")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"pool file {path!r} needs a non-empty list of annotators")
    profiles = [
        _annotator(entry, n, Path(path).parent, num_classes, parse_spec)
        for n, entry in enumerate(entries)
    ]
    options = {key: content[key] for key in ("routing", "vote") if key in content}
    return profiles, options


def _annotator(
    entry: Any, n: int, folder: Path, num_classes: int, parse_spec: SpecParser
) -> AnnotatorProfile:
    where = f"annotator {n + 1} of the pool file"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be a JSON object")
    _no_unknown_keys(entry, ANNOTATOR_KEYS, where)
    name = entry.get("id", f"a{n + 1}")
    if not isinstance(name, str):
        raise ValueError(f"{where}: id must be a string")
    cost = entry.get("cost", 1.0)
    if sum(key in entry for key in ("rate", "rates", "matrix", "spec")) != 1:
        raise ValueError(
            f"annotator {name!r} needs exactly one of 'rate', 'rates', 'matrix' or 'spec'"
        )
    if "spec" in entry:
        return _model_annotator(name, entry["spec"], num_classes, cost, parse_spec)
    if "rates" in entry:
        rates = class_rates(entry["rates"], num_classes, f"annotator {name!r} rates")
        matrix = class_rate_matrix(rates)
        return AnnotatorProfile(name, matrix, _number(cost, f"annotator {name!r} cost"))
    if "rate" in entry:
        rate = _number(entry["rate"], f"annotator {name!r} rate")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"annotator {name!r} rate {rate} is outside [0, 1]")
        cost = _number(cost, f"annotator {name!r} cost")
        return AnnotatorProfile(name, uniform_matrix(num_classes, rate), cost)
    matrix = entry["matrix"]
    if isinstance(matrix, str):
        matrix = read_matrix(str(folder / matrix))
    matrix = as_matrix(matrix, f"annotator {name!r} matrix")
    return AnnotatorProfile(name, matrix, _number(cost, f"annotator {name!r} cost"))


def _model_annotator(
    name: str, spec: Any, num_classes: int, cost: Any, parse_spec: SpecParser
) -> AnnotatorProfile:
    """An annotator whose answers come from a single-annotator model (``idn:0.3``, ...)."""
    if not isinstance(spec, str):
        raise ValueError(f"annotator {name!r} spec must be a string")
    model = parse_spec(spec, num_classes)
    if model.annotator_ids() is not None:
        raise ValueError(f"annotator {name!r} spec {spec!r} must be a single-annotator model")
    # Until an instance-dependent model has its inputs, its matrix is unknown: the pool
    # replaces this placeholder with the realised matrix in supply().
    matrix = np.eye(num_classes) if model.sample_inputs() else model.transition_matrix()
    return AnnotatorProfile(name, matrix, _number(cost, f"annotator {name!r} cost"), model)


def class_rates(value: Any, num_classes: int, where: str) -> np.ndarray:
    """Per-class error rates from a list of K rates, or from groups of classes:
    ``{"0,2,4,6": 0.4, "*": 0.05}`` (``*``: every class no group names; required unless the
    groups name every class)."""
    if isinstance(value, list):
        if len(value) != num_classes:
            raise ValueError(f"{where} lists {len(value)} rates for {num_classes} classes")
        rates = np.array([_number(v, where) for v in value])
    elif isinstance(value, dict):
        rates = np.full(num_classes, np.nan)
        if OTHER_CLASSES in value:
            rates[:] = _number(value[OTHER_CLASSES], where)
        named: set[int] = set()
        for group, rate in value.items():
            if group == OTHER_CLASSES:
                continue
            for c in _classes(group, where):
                if c >= num_classes or c in named:
                    raise ValueError(
                        f"{where}: class {c} is outside 0..{num_classes - 1} or in two groups"
                    )
                named.add(c)
                rates[c] = _number(rate, where)
        if np.isnan(rates).any():
            missing = int(np.flatnonzero(np.isnan(rates))[0])
            raise ValueError(f'{where} gives no rate for class {missing}; add "*": RATE')
    else:
        raise ValueError(f"{where} must be a list of rates or an object of class groups")
    if np.any(rates < 0) or np.any(rates > 1):
        raise ValueError(f"{where} must lie in [0, 1]")
    return rates


def _classes(group: str, where: str) -> list[int]:
    try:
        classes = [int(part) for part in group.split(",")]
    except ValueError:
        raise ValueError(f"{where}: group {group!r} is not a list of class numbers") from None
    if any(c < 0 for c in classes):
        raise ValueError(f"{where}: group {group!r} has a negative class")
    return classes


def class_rate_matrix(rates: np.ndarray) -> np.ndarray:
    """``T[true, given]`` for per-class error rates, each wrong answer uniform over the others."""
    k = len(rates)
    matrix = np.repeat((rates / (k - 1))[:, None], k, axis=1)
    matrix[np.arange(k), np.arange(k)] = 1.0 - rates
    return matrix


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return float(value)


def _no_unknown_keys(content: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(content) - known)
    if unknown:
        raise ValueError(f"{where} has unknown keys {unknown}; known: {sorted(known)}")

"""The oracle spec language: ``perfect``, ``noisy:P``, ``uniform:P``, ``uniform-all:P``."""

from __future__ import annotations

from oracles.base import Oracle
from oracles.uniform import PerfectOracle, UniformNoiseOracle

#: (form, example, meaning) for every model; ``palsim list oracles`` prints these.
FORMS: list[tuple[str, str, str]] = [
    ("perfect", "perfect", "always the true label"),
    ("noisy:P", "noisy:0.2", "wrong with probability P, uniform over the other K-1 classes"),
    ("uniform:P", "uniform:0.2", "same as noisy:P"),
    (
        "uniform-all:P",
        "uniform-all:0.2",
        "PAL code's variant: with probability P a label drawn over all K classes",
    ),
]


def valid_forms() -> str:
    return ", ".join(form for form, _, _ in FORMS)


def _rate(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"bad oracle spec {spec!r}: {text!r} is not a number; valid forms: {valid_forms()}"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"bad oracle spec {spec!r}: rate {value} is outside [0, 1]")
    return value


def parse(spec: str, num_classes: int) -> Oracle:
    """Build the oracle that ``spec`` describes for a ``num_classes``-class problem.

    Raises ValueError with a message naming the problem and the valid forms.
    """
    name, _, argument = spec.strip().partition(":")
    if name == "perfect" and not argument:
        return PerfectOracle(spec, num_classes)
    if name in ("noisy", "uniform"):
        return UniformNoiseOracle(spec, num_classes, _rate(argument, spec))
    if name == "uniform-all":
        return UniformNoiseOracle(spec, num_classes, _rate(argument, spec), include_true=True)
    raise ValueError(f"unknown oracle spec {spec!r}; valid forms: {valid_forms()}")

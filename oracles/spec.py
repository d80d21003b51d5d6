"""The oracle spec language: one short string names a noise model and its parameters.

    perfect                          always the true label
    noisy:P  |  uniform:P            wrong with probability P, uniform over the other K-1 classes
    uniform-all:P                    PAL authors' code: with probability P, redrawn over all K
    pair:P                           class i answered as i+1 mod K with probability P
    cifar10-asym:P                   truck->automobile, bird->airplane, deer->horse, cat<->dog
    matrix:PATH                      T[true, given] from a .csv, .npy or .json file
    annotators:N:RATES[:OPTION...]   N uniform-noise annotators a1..aN; RATES is R or LO-HI
    annotators:PATH.json[:OPTION...] an annotator pool from a JSON file
    replay:PATH[:COLUMN]             real human labels from a file (CIFAR-10N layout)
    idn:P                            instance-dependent (Xia et al. 2020), average rate P
    confusion:P[:model=M][:train=N]  a reference classifier's per-image confusion, average rate P

OPTION is ``random`` or ``round-robin`` (routing, default random), ``vote=K`` (ask K distinct
annotators, plurality vote) or ``cost=C`` (cost per label of each annotator, compact form
only). P and rates are probabilities in [0, 1]. Every matrix is ``T[true, given]``
(row = true class). ``docs/oracles.md`` gives each model's exact meaning.
"""

from __future__ import annotations

import math
from pathlib import Path

from oracles.annotators import ROUTINGS, AnnotatorPoolOracle, spread_pool
from oracles.base import Oracle
from oracles.classcond import (
    TransitionMatrixOracle,
    cifar10_asymmetric_matrix,
    load_transition_matrix,
    pair_matrix,
)
from oracles.confusion import ReferenceConfusionOracle
from oracles.idn import PartDependentOracle
from oracles.pool_file import load_pool
from oracles.replay import load_replay
from oracles.uniform import PerfectOracle, UniformNoiseOracle

#: (form, example, meaning) for every model; ``palsim list oracles`` prints these.
FORMS: list[tuple[str, str, str]] = [
    ("perfect", "perfect", "always the true label"),
    ("noisy:P", "noisy:0.2", "wrong with probability P, uniform over the other K-1 classes"),
    ("uniform:P", "uniform:0.2", "same as noisy:P"),
    (
        "uniform-all:P",
        "uniform-all:0.2",
        "PAL authors' code: with probability P redrawn over all K classes (flips P(K-1)/K)",
    ),
    ("pair:P", "pair:0.2", "class i answered as i+1 mod K with probability P"),
    (
        "cifar10-asym:P",
        "cifar10-asym:0.4",
        "CIFAR-10 truck->automobile, bird->airplane, deer->horse, cat<->dog with probability P",
    ),
    ("matrix:PATH", "matrix:noise.csv", "transition matrix T[true, given] from .csv/.npy/.json"),
    (
        "annotators:N:RATES[:OPTION...]",
        "annotators:5:0.1-0.4:vote=3",
        "N annotators, error rates LO..HI; options random|round-robin, vote=K, cost=C",
    ),
    (
        "annotators:PATH.json[:OPTION...]",
        "annotators:pool.json:round-robin",
        "annotator pool from a JSON file: per annotator a rate or matrix, and a cost",
    ),
    (
        "replay:PATH[:COLUMN]",
        "replay:cifar10n.npz:worst",
        "real human labels per training index (CIFAR-10N: clean, aggregate, worst, random1-3)",
    ),
    (
        "idn:P",
        "idn:0.3",
        "instance-dependent (Xia et al. 2020): per-image flip rate around P and wrong class",
    ),
    (
        "confusion:P[:model=M][:train=N]",
        "confusion:0.3",
        "reference classifier's per-image confusion; hard images wrong more often; mean P",
    ),
]

OPTIONS = "random, round-robin, vote=K, cost=C"
#: Largest annotator pool and vote a spec may ask for.
MAX_POOL_SIZE = 1000
MAX_VOTE = 25


def valid_forms() -> str:
    """The valid spec forms, comma-separated, for error messages."""
    return ", ".join(form for form, _, _ in FORMS)


#: Most classes an oracle models: its K x K transition matrix then takes 8 MB.
MAX_CLASSES = 1000


def parse(spec: str, num_classes: int) -> Oracle:
    """Build the oracle that ``spec`` describes for a ``num_classes``-class problem.

    Raises ValueError with one line naming the problem and the valid forms.
    """
    if num_classes < 2:
        raise ValueError(f"an oracle needs at least 2 classes, got {num_classes}")
    if num_classes > MAX_CLASSES:  # a K x K matrix of 10 million classes fills any memory
        raise ValueError(f"an oracle supports at most {MAX_CLASSES} classes, got {num_classes}")
    name, _, argument = spec.strip().partition(":")
    build = _BUILDERS.get(name)
    if build is None:
        raise ValueError(f"unknown oracle spec {spec!r}; valid forms: {valid_forms()}")
    try:
        return build(spec, argument, num_classes)
    except ValueError as error:
        raise ValueError(
            f"bad oracle spec {spec!r}: {error}; valid forms: {valid_forms()}"
        ) from None


def check(spec: str) -> None:
    """Check a spec before the dataset is known: the form, and what does not depend on K.

    Raises what :func:`parse` raises for an unknown form or a malformed argument; errors that
    depend on the number of classes or on a file's content surface later, from :func:`parse`.
    """
    name, _, argument = spec.strip().partition(":")
    if name not in _BUILDERS:
        raise ValueError(f"unknown oracle spec {spec!r}; valid forms: {valid_forms()}")
    compact_pool = name == "annotators" and ".json" not in argument.lower()
    if name in _FILE_FREE or compact_pool:
        parse(spec, 10)  # these forms read the same for any K >= 2 (cifar10-asym needs 10)


def _perfect(spec: str, argument: str, num_classes: int) -> Oracle:
    if argument:
        raise ValueError("perfect takes no argument")
    return PerfectOracle(spec, num_classes)


def _uniform(spec: str, argument: str, num_classes: int) -> Oracle:
    return UniformNoiseOracle(spec, num_classes, _probability(argument))


def _uniform_all(spec: str, argument: str, num_classes: int) -> Oracle:
    return UniformNoiseOracle(spec, num_classes, _probability(argument), include_true=True)


def _pair(spec: str, argument: str, num_classes: int) -> Oracle:
    return TransitionMatrixOracle(
        spec, num_classes, pair_matrix(num_classes, _probability(argument))
    )


def _cifar10_asym(spec: str, argument: str, num_classes: int) -> Oracle:
    p = _probability(argument)
    if num_classes != 10:
        raise ValueError(
            f"cifar10-asym needs the 10 CIFAR-10 classes, the dataset has {num_classes}"
        )
    return TransitionMatrixOracle(spec, num_classes, cifar10_asymmetric_matrix(p))


def _matrix(spec: str, argument: str, num_classes: int) -> Oracle:
    if not argument:
        raise ValueError("matrix needs a file path")
    return TransitionMatrixOracle(spec, num_classes, load_transition_matrix(argument, num_classes))


def _annotators(spec: str, argument: str, num_classes: int) -> Oracle:
    # 1. Options come last; what is left is N:RATES or a JSON file path.
    fields = argument.split(":")
    options: dict[str, str] = {}
    while len(fields) > 1 and _is_option(fields[-1]):
        token = fields.pop()
        key, _, value = ("routing", "", token) if token in ROUTINGS else token.partition("=")
        if key in options:
            raise ValueError(f"option {key} is given twice")
        options[key] = value
    head = ":".join(fields)
    # 2. The pool itself.
    routing, vote = "random", 1
    if head.lower().endswith(".json"):
        if "cost" in options:
            raise ValueError("cost= applies to the compact form; a pool file sets each cost")
        profiles, file_options = load_pool(head, num_classes, _single_model)
        routing = file_options.get("routing", routing)
        vote = file_options.get("vote", vote)
        if not isinstance(routing, str) or isinstance(vote, bool) or not isinstance(vote, int):
            raise ValueError(f"pool file {head!r}: routing must be a string and vote an integer")
    else:
        count_text, sep, rates_text = head.partition(":")
        if not sep:
            raise ValueError("annotators needs N:RATES (for example 5:0.1-0.4) or a .json file")
        if ":" in rates_text:
            unknown = rates_text.partition(":")[2]
            raise ValueError(f"unknown annotators option {unknown!r}; options: {OPTIONS}")
        count = _integer(count_text, "annotator count", MAX_POOL_SIZE)
        low, high = _rate_range(rates_text)
        cost = _cost(options["cost"]) if "cost" in options else 1.0
        profiles = spread_pool(count, low, high, num_classes, cost)
    # 3. Options in the spec override the file's.
    routing = options.get("routing", routing)
    if "vote" in options:
        vote = _integer(options["vote"], "vote", MAX_VOTE)
    return AnnotatorPoolOracle(spec, num_classes, profiles, routing, vote)


def _single_model(spec: str, num_classes: int) -> Oracle:
    """A pool file's ``"spec"`` annotator: any model but a pool or a replay file."""
    if spec.strip().startswith(("annotators", "replay")):
        raise ValueError(f"a pool annotator's spec {spec!r} must not be a pool or a replay")
    name, _, argument = spec.strip().partition(":")
    build = _BUILDERS.get(name)
    if build is None:
        raise ValueError(f"unknown annotator spec {spec!r}")
    return build(spec, argument, num_classes)


def _is_option(token: str) -> bool:
    return token in ROUTINGS or token.startswith(("vote=", "cost="))


def _replay(spec: str, argument: str, num_classes: int) -> Oracle:
    if not argument:
        raise ValueError("replay needs a file path")
    path, column = argument, None
    if not _is_file(argument) and ":" in argument:
        path, _, column = argument.rpartition(":")
    return load_replay(path, column or None, num_classes, spec)


def _idn(spec: str, argument: str, num_classes: int) -> Oracle:
    return PartDependentOracle(spec, num_classes, _probability(argument))


#: Settings of the reference classifier that ``confusion:P`` accepts (``key=value``).
REFERENCE_OPTIONS = ("model", "train")


def _confusion(spec: str, argument: str, num_classes: int) -> Oracle:
    rate_text, *tokens = argument.split(":")
    options: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or key not in REFERENCE_OPTIONS or not value:
            raise ValueError(f"unknown confusion option {token!r}; options: model=M, train=N")
        if key in options:
            raise ValueError(f"option {key} is given twice")
        if key == "train":
            value = str(_integer(value, "train", 10_000_000))
        options[key] = value
    rate = _probability(rate_text)
    return ReferenceConfusionOracle(spec, num_classes, rate, tuple(sorted(options.items())))


_BUILDERS = {
    "perfect": _perfect,
    "noisy": _uniform,
    "uniform": _uniform,
    "uniform-all": _uniform_all,
    "pair": _pair,
    "cifar10-asym": _cifar10_asym,
    "matrix": _matrix,
    "annotators": _annotators,
    "replay": _replay,
    "idn": _idn,
    "confusion": _confusion,
}


#: Forms whose argument is read without a file and whatever the class count.
_FILE_FREE = ("perfect", "noisy", "uniform", "uniform-all", "pair", "cifar10-asym")


def _probability(text: str) -> float:
    if not text:
        raise ValueError("a probability P in [0, 1] is missing")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{text!r} is outside [0, 1]")
    return value


def _rate_range(text: str) -> tuple[float, float]:
    """``R`` or ``LO-HI`` (the hyphen that splits the text into two numbers)."""
    try:
        single = _probability(text)
    except ValueError:
        for at in (i for i, char in enumerate(text) if char == "-" and i > 0):
            try:
                low, high = _probability(text[:at]), _probability(text[at + 1 :])
            except ValueError:
                continue
            if low > high:
                raise ValueError(f"rate range {text!r} runs backwards") from None
            return low, high
        raise ValueError(f"rates {text!r} must be R or LO-HI with numbers in [0, 1]") from None
    return single, single


def _integer(text: str, what: str, largest: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a whole number") from None
    if not 1 <= value <= largest:
        raise ValueError(f"{what} {value} must lie in 1..{largest}")
    return value


def _cost(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"cost {text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"cost {text!r} must be a number >= 0")
    return value


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False

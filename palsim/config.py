"""The study configuration: one frozen dataclass, presets, and the parsers of its values.

Values a user leaves unset are ``None`` and come from the preset when the configuration is
resolved; ``config.json`` holds the resolved form, enough to repeat the run exactly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    # Sized for a 2-core CPU: a 10k pool of Fashion-MNIST, 4 cycles in about two minutes.
    "quick": {
        "initial": "500",
        "budget": "500",
        "cycles": 4,
        "pool_size": 10_000,
        "epochs": 15,
        "batch_size": 64,
        "learning_rate": 0.05,
        # 128: no page faults and the best images/s on this CPU (docs/benchmarks.md)
        "eval_batch_size": 128,
    },
    # The PAL protocol: 10% of the pool labeled at first, +5% per cycle up to 40%.
    "paper": {
        "initial": "0.1",
        "budget": "0.05",
        "cycles": 7,
        "pool_size": None,
        "epochs": 100,
        "batch_size": 128,
        "learning_rate": 0.1,
        "eval_batch_size": 2048,
    },
}


@dataclass(frozen=True)
class RunConfig:
    """One active-learning study. ``None`` means "take it from the preset"."""

    dataset: str = "fashion-mnist"  # registered name or imagefolder:PATH
    data_dir: str | None = None  # where dataset files live; None: defaults and Debian's copy
    strategy: str = "entropy"  # registered strategy name
    strategy_options: dict[str, str] = field(default_factory=dict)  # key=value per strategy
    oracle: str = "perfect"  # oracle spec, see `palsim list oracles`
    seed: int = 0  # run seed: pool, initial set, model init, augmentation, strategy
    noise_seed: int | None = None  # oracle noise seed; None: same number as seed
    preset: str = "auto"  # quick | paper | auto (paper on CUDA, quick on the CPU)
    initial: str | None = None  # initial labeled set: fraction of the pool ("0.1") or count
    budget: str | None = None  # samples queried per cycle: fraction or count
    cycles: int | None = None  # training rounds; the last one does not query
    pool_size: int | None = None  # random subsample of the training split; None: all of it
    epochs: int | None = None  # task-model epochs per cycle
    batch_size: int | None = None  # task-model SGD batch
    learning_rate: float | None = None  # task-model peak learning rate
    eval_batch_size: int | None = None  # batch for scoring the pool and the test split
    test_size: int | None = None  # evaluate on a fixed random subset of the test split; None: all
    augment: bool = True  # random crop and flip while training the task model
    model: str = "auto"  # small-cnn | resnet18 | auto (by image size and preset)
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto | fp32 | bf16 autocast; auto: bf16 on CUDA, fp32 on a CPU
    exclude_classes: str | None = None  # kept out of the initial set: "3,5" or "random:2"
    relabel: str = "none"  # re-ask policy for labels already given: none | random | disagree
    relabel_share: float = 0.0  # fraction of each cycle's budget spent on re-asking, in [0, 1)
    out: str = "runs"  # folder that holds run directories
    name: str | None = None  # run directory name; None: derived from the settings

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunConfig:
        """Build from a dict (a study file or an earlier config.json); unknown keys are errors."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown configuration key {unknown[0]!r}; valid keys: {', '.join(sorted(known))}"
            )
        return cls(**values)


def resolve_preset(config: RunConfig, cuda_available: bool) -> RunConfig:
    """Fill every ``None`` that a preset covers; ``auto`` picks paper on CUDA, quick otherwise."""
    preset = config.preset
    if preset == "auto":
        preset = "paper" if cuda_available else "quick"
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of: auto, {', '.join(PRESETS)}")
    filled = {
        key: value
        for key, value in PRESETS[preset].items()
        if getattr(config, key) is None and value is not None
    }
    noise_seed = config.seed if config.noise_seed is None else config.noise_seed
    return dataclasses.replace(config, preset=preset, noise_seed=noise_seed, **filled)


def parse_amount(text: str, what: str) -> float | int:
    """``"0.1"`` is a fraction of the pool, ``"500"`` a count; negative values are errors."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{what} {text!r} is neither a fraction like 0.1 nor a count like 500"
        ) from None
    if value < 0 or value != value:
        raise ValueError(f"{what} {text!r} must not be negative")
    if "." in str(text) or "e" in str(text).lower():
        if value > 1:
            raise ValueError(f"{what} {text!r}: a fraction must lie in [0, 1]")
        return value
    return int(value)


def amount_to_count(text: str, pool_size: int, what: str) -> int:
    """Resolve a fraction or count against the pool size."""
    value = parse_amount(text, what)
    if isinstance(value, float):
        return round(value * pool_size)
    return value


def parse_key_values(items: list[str], what: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` to a dict; an item without ``=`` is an error."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{what} {item!r} is not of the form key=value")
        values[key.strip()] = value.strip()
    return values


def parse_class_list(text: str, num_classes: int) -> tuple[list[int], int]:
    """``"3,5"`` -> ([3, 5], 0); ``"random:2"`` -> ([], 2) (two classes drawn from the seed)."""
    if text.startswith("random:"):
        try:
            count = int(text.partition(":")[2])
        except ValueError:
            raise ValueError(f"exclude-classes {text!r}: expected random:N") from None
        if not 0 < count < num_classes:
            raise ValueError(f"exclude-classes {text!r}: N must lie in 1..{num_classes - 1}")
        return [], count
    try:
        classes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(
            f"exclude-classes {text!r}: expected class numbers like 3,5 or random:N"
        ) from None
    if not classes or classes[0] < 0 or classes[-1] >= num_classes or len(classes) >= num_classes:
        raise ValueError(
            f"exclude-classes {text!r}: classes must lie in 0..{num_classes - 1}, not all"
        )
    return classes, 0


def load_study_file(path: str) -> dict[str, Any]:
    """Read a study file: TOML (``study.toml``) or JSON (an earlier run's config.json).

    A TOML file may hold its keys at the top level or under a ``[run]`` table.
    """
    import json
    import tomllib
    from pathlib import Path

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"--config {path}: cannot read it ({error.strerror})") from None
    try:
        values = json.loads(text) if file.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(
            f"--config {path}: not valid {file.suffix[1:] or 'TOML'}: {error}"
        ) from None
    if isinstance(values.get("run"), dict) and len(values) == 1:
        values = values["run"]
    if not isinstance(values, dict):
        raise ValueError(f"--config {path}: expected a table of settings")
    return values


def build_config(file_values: dict[str, Any], overrides: dict[str, Any]) -> RunConfig:
    """Settings from a study file, overridden by the options given on the command line."""
    values = dict(file_values)
    values.update({key: value for key, value in overrides.items() if value is not None})
    for key in ("initial", "budget"):
        if key in values and values[key] is not None:
            values[key] = str(values[key])
    config = RunConfig.from_dict(values)
    for key in ("initial", "budget"):
        text = getattr(config, key)
        if text is not None:
            parse_amount(text, key)
    return config

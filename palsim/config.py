"""The study configuration: one frozen dataclass, the presets, and its resolution.

Values a user leaves unset are ``None`` and come from the preset when the configuration is
resolved (:func:`resolve`, the one place that reads the presets); ``config.json`` holds the
resolved form, enough to repeat the run exactly. Types are checked when the dataclass is
built from a file (:meth:`RunConfig.from_dict`), ranges by :func:`check_values`, both before
any data is loaded. Standard library only.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from palsim.values import Amount, ClassChoice, check_run_name, parse_amount, parse_class_choice

# --- Presets: the only table of preset values; resolve_preset is the only reader. -------------
PRESETS: dict[str, dict[str, Any]] = {
    # Sized for a 2-core CPU: a 10k pool of Fashion-MNIST, 4 cycles in about a minute.
    "quick": {
        "initial": "500",
        "budget": "500",
        "cycles": 4,
        "pool_size": 10_000,
        "epochs": 30,  # lengthens training past the floor from about 1,000 labels on
        "min_steps": 500,  # the knee of docs/training.md's curve at small labeled sets
        "batch_size": 64,
        "learning_rate": 0.05,
        # 256: no page faults on 1x28x28 or 3x32x32 images, the best images/s on 28x28 and
        # within 3% of the best on 32x32 on a 2-core CPU (docs/benchmarks.md)
        "eval_batch_size": 256,
        # Segmentation datasets (fashion-scenes' 2,000 canvases of 64x64): a pixel-wise loss
        # gives many targets per image, so fewer images and steps; 4 cycles in minutes.
        "segmentation": {
            "initial": "60",
            "budget": "60",
            "pool_size": None,
            "epochs": 10,  # lengthens training past the floor from 960 images on
            "min_steps": 600,  # the knee of docs/training.md's mIoU curve at 60 and 240 images
            "batch_size": 16,
            "eval_batch_size": 128,
        },
    },
    # The PAL protocol: 10% of the pool labeled at first, +5% per cycle up to 40%.
    "paper": {
        "initial": "0.1",
        "budget": "0.05",
        "cycles": 7,
        "pool_size": None,
        "epochs": 100,
        "min_steps": 2000,  # only binds below about 2,600 labels (100 epochs of batch 128)
        "batch_size": 128,
        "learning_rate": 0.1,
        "eval_batch_size": 2048,
        # The authors' Cityscapes protocol: 150 images (5%) at first, +30 per cycle.
        "segmentation": {
            "initial": "150",
            "budget": "30",
            "pool_size": None,
            "epochs": 50,
            "min_steps": 1000,
            "batch_size": 8,
            "learning_rate": 0.01,
            "eval_batch_size": 16,
        },
    },
}
# --- End of presets. ----------------------------------------------------------------------------

DEVICES = ("auto", "cpu", "cuda")  # auto: cuda when available
PRESET_CHOICES = ("auto", *PRESETS)  # auto: paper on CUDA, quick on the CPU
MAX_SEED = 2**32 - 1  # seeds enter numpy's SeedSequence as 32-bit words


@dataclass(frozen=True)
class RunConfig:
    """One active-learning study. ``None`` means "take it from the preset"."""

    dataset: str = "fashion-mnist"  # registered name or imagefolder:PATH
    data_dir: str | None = None  # where dataset files live; None: defaults and Debian's copy
    strategy: str = "entropy"  # registered strategy name
    strategy_options: dict[str, str] = field(default_factory=dict)  # key=value per strategy
    initial_strategy: str = "random"  # draws the initial set: random (uniform) or cold-start
    oracle: str = "perfect"  # oracle spec, see `palsim list oracles`
    seed: int = 0  # run seed: pool, initial set, model init, augmentation, strategy
    noise_seed: int | None = None  # oracle noise seed; None: same number as seed
    preset: str = "auto"  # quick | paper | auto (paper on CUDA, quick on the CPU)
    initial: str | None = None  # initial labeled set: fraction of the pool ("0.1") or count
    budget: str | None = None  # samples queried per cycle: fraction or count
    cycles: int | None = None  # training rounds; the last one does not query
    pool_size: int | None = None  # random subsample of the training split; None: all of it
    epochs: int | None = None  # task-model epochs per cycle, unless min_steps asks for more
    min_steps: int | None = None  # task-model optimizer steps per cycle at least (0: epochs only)
    batch_size: int | None = None  # task-model SGD batch
    learning_rate: float | None = None  # task-model peak learning rate
    eval_batch_size: int | None = None  # batch for scoring the pool and the test split
    test_size: int | None = None  # evaluate on a fixed random subset of the test split; None: all
    augment: bool = True  # random crop and flip while training the task model
    model: str = "auto"  # small-cnn | resnet18 | auto (by image size and preset)
    device: str = "auto"  # auto | cpu | cuda
    precision: str = "auto"  # auto | fp32 | bf16 autocast; auto: bf16 on CUDA and on CPUs
    # with native bf16 (AVX-512 BF16, AMX), fp32 on other CPUs
    exclude_classes: str | None = None  # kept out of the initial set: "3,5" or "random:2"
    relabel: str = "none"  # re-ask policy for labels already given: none | random | disagree
    relabel_share: float = 0.0  # fraction of each cycle's budget spent on re-asking, in [0, 1)
    out: str = "runs"  # folder that holds run directories
    name: str | None = None  # run directory name; None: derived from the settings

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunConfig:
        """Build from a dict (a study file or an earlier config.json).

        Unknown keys and values of the wrong type are ValueErrors naming the key.
        """
        if not isinstance(values, dict):
            raise ValueError(f"expected a table of settings, not {type(values).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown configuration key {unknown[0]!r}; valid keys: {', '.join(sorted(known))}"
            )
        hints = typing.get_type_hints(cls)
        return cls(**{key: check_type(key, value, hints[key]) for key, value in values.items()})


def check_type(key: str, value: Any, hint: Any) -> Any:
    """``value`` if it has the type ``hint`` allows (an int is accepted as a float), else raise."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for kind in allowed:
        if value is None and kind is type(None):
            return None
        if kind is bool and isinstance(value, bool):
            return value
        if isinstance(value, bool):
            continue  # True is an int to Python, not to a study file
        if kind is int and isinstance(value, int):
            return value
        if kind is float and isinstance(value, int | float):
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        if typing.get_origin(kind) is dict and isinstance(value, dict):
            return {str(k): _option_text(key, v) for k, v in value.items()}
    names = " or ".join(_TYPE_NAMES.get(kind, "a table") for kind in allowed)
    raise ValueError(f"{key} = {value!r}: expected {names}")


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    type(None): "nothing",
}


def _option_text(key: str, value: Any) -> str:
    """A strategy option from a file: strings, numbers and booleans, kept as text to parse."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ValueError(f"{key}: option value {value!r} must be a string, a number or a boolean")


def check_values(config: RunConfig) -> None:
    """Raise ValueError for the first value out of its range (types are checked already)."""
    for key in ("seed", "noise_seed"):
        seed = getattr(config, key)
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise ValueError(f"{key.replace('_', '-')} {seed}: must lie in 0..{MAX_SEED}")
    for key, least in _LEAST.items():
        number = getattr(config, key)
        if number is not None and number < least:
            raise ValueError(f"{_option(key)} {number}: must be at least {least}")
    rate = config.learning_rate
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"--lr {rate}: must be a finite number above 0")
    for key in ("initial", "budget"):
        text = getattr(config, key)
        if text is not None:
            parse_amount(text, key)
    if config.preset not in PRESET_CHOICES:
        raise ValueError(
            f"unknown preset {config.preset!r}; choose one of: {', '.join(PRESET_CHOICES)}"
        )
    if config.device not in DEVICES:
        raise ValueError(f"unknown device {config.device!r}; choose one of: {', '.join(DEVICES)}")
    if config.exclude_classes is not None:
        parse_class_choice(config.exclude_classes)
    if config.name is not None:
        check_run_name(config.name)
    for key in ("dataset", "strategy", "initial_strategy", "oracle", "model", "out"):
        if not getattr(config, key).strip():
            raise ValueError(f"{_option(key)} must not be empty")


# The smallest value each count may take; None (unset) is always allowed.
_LEAST = {
    "cycles": 1,
    "pool_size": 2,
    "epochs": 1,
    "min_steps": 0,  # 0: epochs alone decide
    "batch_size": 1,
    "eval_batch_size": 1,
    "test_size": 1,  # an empty test split has no accuracy (NaN, which JSON cannot hold)
}


def _option(key: str) -> str:
    return "--" + key.replace("_", "-")


def preset_values(preset: str, task: str = "classification") -> dict[str, Any]:
    """A preset's values for a task: its own, with the task's table (if any) over them."""
    values = {key: value for key, value in PRESETS[preset].items() if not isinstance(value, dict)}
    values.update(PRESETS[preset].get(task, {}))
    return values


def resolve_preset(
    config: RunConfig, cuda_available: bool, task: str = "classification"
) -> RunConfig:
    """Fill every ``None`` that a preset covers; ``auto`` picks paper on CUDA, quick otherwise.

    ``task`` is the dataset's (``classification`` or ``segmentation``): segmentation takes
    the preset's ``segmentation`` values where it has them.
    """
    preset = config.preset
    if preset == "auto":
        preset = "paper" if cuda_available else "quick"
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of: auto, {', '.join(PRESETS)}")
    filled = {
        key: value
        for key, value in preset_values(preset, task).items()
        if getattr(config, key) is None and value is not None
    }
    noise_seed = config.seed if config.noise_seed is None else config.noise_seed
    return dataclasses.replace(config, preset=preset, noise_seed=noise_seed, **filled)


@dataclass(frozen=True)
class Resolved:
    """A study's settings with the preset applied, parsed and checked: what the engine trusts."""

    config: RunConfig  # preset applied and noise seed set; what config.json records
    device: str  # "cpu" or "cuda" ("auto" decided)
    initial: Amount  # initial labeled set
    budget: Amount  # samples queried per cycle
    exclude: ClassChoice  # classes kept out of the initial set (empty: none)


def resolve(config: RunConfig, cuda_available: bool, task: str = "classification") -> Resolved:
    """Check every value, decide the device and apply the preset, before any data is loaded.

    ``task`` is the dataset's task type, which picks the preset's values for it.
    """
    check_values(config)
    if config.device == "cuda" and not cuda_available:
        raise ValueError("--device cuda: no CUDA device is available here; use --device cpu")
    use_cuda = config.device == "cuda" or (config.device == "auto" and cuda_available)
    device = "cuda" if use_cuda else "cpu"
    resolved = resolve_preset(config, cuda_available=device == "cuda", task=task)
    check_values(resolved)  # the preset's values, and the ones it left alone, in range
    assert resolved.initial is not None and resolved.budget is not None  # set by every preset
    return Resolved(
        config=resolved,
        device=device,
        initial=Amount(parse_amount(resolved.initial, "initial")),
        budget=Amount(parse_amount(resolved.budget, "budget")),
        exclude=parse_class_choice(resolved.exclude_classes)
        if resolved.exclude_classes
        else ClassChoice(),
    )


def load_study_file(path: str) -> dict[str, Any]:
    """Read a study file: TOML (``study.toml``) or JSON (an earlier run's config.json).

    A TOML file may hold its keys at the top level or under a ``[run]`` table. An earlier
    run's ``out`` and ``name`` are not reused from a JSON file: the new run goes where the
    command line says, under a name of its own, never silently into the old run's place.
    Keys and value types are checked here, so the message can name the file.
    """
    import json
    import tomllib
    from pathlib import Path

    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"--config {path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"--config {path}: not a text file (UTF-8)") from None
    is_json = file.suffix == ".json"
    try:
        values = json.loads(text) if is_json else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if is_json else "TOML"
        raise ValueError(f"--config {path}: not valid {kind}: {error}") from None
    if isinstance(values, dict) and isinstance(values.get("run"), dict) and len(values) == 1:
        values = values["run"]
    if not isinstance(values, dict):
        raise ValueError(
            f"--config {path}: expected a table of settings, not a {type(values).__name__}"
        )
    if is_json:
        values = {key: value for key, value in values.items() if key not in ("out", "name")}
    try:
        RunConfig.from_dict(_amounts_as_text(values))
    except ValueError as error:
        raise ValueError(f"--config {path}: {error}") from None
    return values


def _amounts_as_text(values: dict[str, Any]) -> dict[str, Any]:
    """Initial and budget may be written as numbers (``budget = 300``); the config holds text."""
    amounts = {
        key: str(value)
        for key, value in values.items()
        if key in ("initial", "budget") and type(value) in (int, float)
    }
    return {**values, **amounts}


def build_config(file_values: dict[str, Any], overrides: dict[str, Any]) -> RunConfig:
    """Settings from a study file, overridden by the options given on the command line.

    Raises ValueError for an unknown key, a value of the wrong type or out of its range.
    """
    values = dict(file_values)
    values.update({key: value for key, value in overrides.items() if value is not None})
    config = RunConfig.from_dict(_amounts_as_text(values))
    check_values(config)
    return config

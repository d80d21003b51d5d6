"""The study options that ``palsim run`` and ``palsim sweep`` share, declared once.

:func:`study_options` adds them to a command's signature (Typer reads the signature) and hands
the command their values as one dict, ``study``, keyed by :class:`~palsim.config.RunConfig`
field. Options with a fixed set of values are ``Literal`` types, so the parser checks them and
shell completion offers them. Values are checked further when the configuration is resolved.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import typer

from palsim.config import DEVICES, PRESET_CHOICES


def choice(values: Sequence[str]) -> Any:
    """A type whose values are ``values``: Typer checks it, lists it in help and completes it."""
    return Literal[tuple(values)]


@dataclass(frozen=True)
class StudyOption:
    """One shared option: the RunConfig field it sets, its type, flags and help text."""

    key: str  # RunConfig field (or "config_file" for --config)
    annotation: Any  # the value type; every shared option may be left out (None)
    flags: tuple[str, ...]  # flags on the command line; () for --key-with-dashes
    help: str  # one line, shown by --help

    def parameter(self) -> inspect.Parameter:
        metavar = "KEY=VALUE" if self.key == "strategy_option" else None
        option = typer.Option(None, *self.flags, help=self.help, metavar=metavar)
        return inspect.Parameter(
            self.key,
            inspect.Parameter.KEYWORD_ONLY,
            default=option,
            annotation=self.annotation | None,
        )


STUDY_OPTIONS = (
    StudyOption("config_file", str, ("--config",), "Study file (.toml) or a config.json."),
    StudyOption("data_dir", str, ("--data-dir",), "Folder holding the dataset files."),
    StudyOption(
        "strategy_option",
        list[str],
        ("--strategy-option", "-S"),
        "Strategy setting key=value (repeatable), see docs/strategies.md.",
    ),
    StudyOption(
        "initial_strategy",
        str,
        ("--initial-strategy",),
        "Draws the initial set: random | typiclust | probcover [random].",
    ),
    StudyOption(
        "preset", choice(PRESET_CHOICES), (), "Sizes and schedule; auto: paper on a GPU [auto]."
    ),
    StudyOption("initial", str, (), "Initial labeled set: fraction (0.1) or count (500)."),
    StudyOption("budget", str, (), "Samples queried per cycle: fraction or count."),
    StudyOption("cycles", int, (), "Training rounds (the last one does not query)."),
    StudyOption("pool_size", int, ("--pool-size",), "Random subsample of the training split."),
    StudyOption("epochs", int, (), "Task-model epochs per cycle (past the step floor)."),
    StudyOption(
        "min_steps",
        int,
        ("--min-steps",),
        "Task-model optimizer steps per cycle at least; caps strategy networks' floors.",
    ),
    StudyOption("batch_size", int, ("--batch-size",), "Task-model batch size."),
    StudyOption("learning_rate", float, ("--lr",), "Task-model peak learning rate."),
    StudyOption(
        "test_size", int, ("--test-size",), "Evaluate on a fixed subset of the test split."
    ),
    StudyOption("model", str, (), "Task model, see `palsim list models` [auto]."),
    StudyOption("device", choice(DEVICES), (), "Where to train [auto: cuda if available]."),
    StudyOption(
        "precision",
        str,
        (),
        "auto | fp32 | bf16 autocast (auto: bf16 on CUDA and on CPUs with native bf16, "
        "else fp32) [auto].",
    ),
    StudyOption(
        "exclude_classes",
        str,
        ("--exclude-classes",),
        "Keep classes out of the initial set: 3,5 or random:2.",
    ),
    StudyOption("relabel", str, (), "Ask again for given labels: none | random | disagree [none]."),
    StudyOption(
        "relabel_share",
        float,
        ("--relabel-share",),
        "Fraction of each cycle's budget spent asking again [0].",
    ),
    StudyOption("out", str, (), "Folder of run directories [runs]."),
)


def study_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add :data:`STUDY_OPTIONS` to ``command``, which receives their values as ``study``."""
    signature = inspect.signature(command)
    own = [parameter for parameter in signature.parameters.values() if parameter.name != "study"]
    shared = [option.parameter() for option in STUDY_OPTIONS]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        study = {option.key: kwargs.pop(option.key) for option in STUDY_OPTIONS}
        return command(*args, study=study, **kwargs)

    positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    keyword = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*positional, *shared, *keyword]
    )
    return wrapper


def study_values(study: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Split :func:`study_options`' dict into the study file and the RunConfig overrides.

    Raises ValueError for a ``-S`` item that is not ``key=value``.
    """
    from palsim.values import parse_key_values

    values = dict(study)
    config_file = values.pop("config_file")
    items = values.pop("strategy_option")
    if items:
        values["strategy_options"] = parse_key_values(items, "--strategy-option")
    return config_file, values

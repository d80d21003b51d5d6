"""The ``palsim`` command line. Commands parse options, build a config, call the library, print.

Exit codes: 0 success, 2 bad usage or bad input (one line naming the problem), 1 a runtime
failure (traceback only with ``--debug``), 130 interrupted. torch is imported only by the
commands that run studies, so ``palsim --help`` and ``palsim watch`` start fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from palsim import __version__
from palsim.cli.errors import usage_errors
from palsim.cli.run import run
from palsim.cli.sweep import sweep
from palsim.errors import UsageError
from palsim.events import plain

app = typer.Typer(
    name="palsim",
    help="Simulated noisy-oracle active-learning studies: PAL and baselines under label noise.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion and --show-completion
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
list_app = typer.Typer(help="List the registered datasets, strategies, oracles and models.")
oracles_app = typer.Typer(help="Inspect oracle (label-noise) models.")
app.add_typer(list_app, name="list")
app.add_typer(oracles_app, name="oracles")


def version_callback(value: bool) -> None:
    if value:
        print(f"palsim {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """palsim: which query strategy still works when the annotator is wrong?

    Example: palsim run --oracle noisy:0.2 --strategy pal
    """


app.command()(usage_errors(run))
app.command()(usage_errors(sweep))


@list_app.command("datasets")
def list_datasets() -> None:
    """List the datasets. Example: palsim list datasets"""
    from palsim.datasets import DATASETS

    print_rows(DATASETS.describe())


@list_app.command("strategies")
def list_strategies() -> None:
    """List the query strategies, each with its reference. Example: palsim list strategies"""
    from palsim.strategies import load_all

    registry = load_all()
    rows = registry.describe()
    print_rows(rows, [f"reference: {registry.get(name).reference}" for name, _ in rows])


@list_app.command("oracles")
def list_oracles() -> None:
    """List the oracle models with an example spec each. Example: palsim list oracles"""
    from oracles import FORMS, MASK_FORMS

    rows = [(form, f"{meaning} (e.g. {example})") for form, example, meaning in FORMS]
    # Segmentation datasets take mask models; `perfect` is listed once, it serves both.
    rows += [
        (form, f"masks: {meaning} (e.g. {example})")
        for form, example, meaning in MASK_FORMS
        if form != "perfect"
    ]
    print_rows(rows)


@list_app.command("models")
def list_models() -> None:
    """List the task models, classifiers then segmentation models. Example: palsim list models"""
    from palsim.models import MODELS
    from palsim.segmentation.models import SEGMENTATION_MODELS

    print_rows(MODELS.describe() + SEGMENTATION_MODELS.describe())


def print_rows(rows: list[tuple[str, str]], second_lines: list[str] | None = None) -> None:
    """One row per entry, descriptions aligned; ``second_lines`` go below them, indented."""
    width = max(len(name) for name, _ in rows)
    for index, (name, description) in enumerate(rows):
        print(f"{name.ljust(width)}  {description}")
        if second_lines is not None:
            print(f"{' ' * width}  {second_lines[index]}")


@oracles_app.command("show")
@usage_errors
def show_oracle(
    spec: str = typer.Argument(..., help="Oracle spec, e.g. noisy:0.2 or annotators:5:0.1-0.4."),
    classes: int = typer.Option(10, "--classes", help="Number of classes K (without --dataset)."),
    dataset: str = typer.Option(
        None, help="Realise the model on this dataset [fashion-mnist for idn:, confusion:]."
    ),
    data_dir: str = typer.Option(None, "--data-dir", help="Folder holding the dataset files."),
    noise_seed: int = typer.Option(0, "--noise-seed", help="Oracle noise seed."),
) -> None:
    """Print an oracle's transition matrix T[true, given] and, for a pool, its annotators.

    Instance-dependent models (idn:P, confusion:P) are realised on a dataset's training
    split, and the matrix is the one their answers realise there.

    Example: palsim oracles show cifar10-asym:0.4 --classes 10
    Example: palsim oracles show confusion:0.2 --dataset fashion-mnist
    """
    from rich.console import Console

    import oracles
    from palsim.cli.oracle_table import oracle_table

    class_names = None
    notes: list[str] = []
    try:
        oracle = oracles.parse(spec, classes)
        if dataset is not None or oracle.sample_inputs():
            oracle, class_names, notes = realise_oracle(
                spec, dataset or "fashion-mnist", data_dir, noise_seed
            )
    except ValueError as error:
        raise UsageError(str(error)) from None
    console = Console()
    for renderable in oracle_table(oracle, class_names):
        console.print(renderable)
    for note in notes:
        console.print(note, markup=False, highlight=False)


def realise_oracle(
    spec: str, dataset_name: str, data_dir: str | None, noise_seed: int
) -> tuple[Any, list[str], list[str]]:
    """The oracle built for a dataset and supplied with its per-sample inputs."""
    import torch

    import oracles
    from palsim.datasets import DatasetNotFound, load_dataset
    from palsim.oracle_inputs import supply_inputs

    try:
        data = load_dataset(dataset_name, Path(data_dir) if data_dir else None)
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    except DatasetNotFound as error:
        raise ValueError(str(error)) from None
    oracle = oracles.parse(spec, data.num_classes)
    notes = supply_inputs(oracle, data, noise_seed, device)
    return oracle, data.class_names, notes


@app.command()
@usage_errors
def watch(path: Path = typer.Argument(..., help="A run directory or a folder of runs.")) -> None:
    """Open the live dashboard on a run or a folder of runs (read-only; safe over SSH).

    Example: palsim watch runs/
    """
    from tui.launch import watch as watch_path

    try:
        code = watch_path(path)
    except ValueError as error:
        raise UsageError(str(error)) from None
    raise typer.Exit(code)


def complete_from(table: str, incomplete: str) -> list[str]:
    """Shell completion of ``--format``, ``--metric`` and ``--robustness`` from the report's
    own tables."""
    from palsim.report.formats import FORMATS
    from palsim.report.metrics import METRIC_CHOICES
    from palsim.report.plot import ROBUSTNESS

    tables = {"formats": FORMATS, "metrics": METRIC_CHOICES, "robustness": tuple(ROBUSTNESS)}
    return [value for value in tables[table] if value.startswith(incomplete)]


@app.command()
@usage_errors
def report(
    runs_dir: Path = typer.Argument(..., help="A folder of run directories (or one run)."),
    output_format: str = typer.Option(
        "table",
        "--format",
        help="table | csv | json | markdown.",
        autocompletion=lambda incomplete: complete_from("formats", incomplete),
    ),
    metric: str = typer.Option(
        "auto",
        help="auto | accuracy | miou | pixel-accuracy; auto: accuracy for classification runs, "
        "miou for segmentation runs.",
        autocompletion=lambda incomplete: complete_from("metrics", incomplete),
    ),
    plot: Path = typer.Option(None, help="Also draw learning curves and noise robustness here."),
    robustness: str = typer.Option(
        "final",
        help="Noise-robustness plot: the metric's final value or its AUBC (final | aubc).",
        autocompletion=lambda incomplete: complete_from("robustness", incomplete),
    ),
    baseline: str = typer.Option(
        None, help="Paired differences to this strategy (same seeds), with 95% CIs."
    ),
    per_run: bool = typer.Option(
        False, "--per-run", help="With --format csv: one row per run and cycle, not averaged."
    ),
    diagnostics: bool = typer.Option(
        False,
        "--diagnostics",
        help="Also how well each network learned, per cycle (not with --format csv).",
    ),
) -> None:
    """Aggregate finished runs by their whole configuration except the seeds: mean ± std per
    cycle, AUBC; runs that differ in any other setting are reported apart. Every number is of
    one metric: test accuracy (classification runs), mIoU or pixel accuracy (segmentation).

    Unfinished, failed or corrupt runs, and runs without the metric, are listed on stderr and
    skipped.

    Example: palsim report runs/ --baseline random --format markdown --plot curves.png
    Example: palsim report runs/ --metric miou --baseline random
    """
    from palsim.report.aggregate import report as build_report
    from palsim.report.formats import FORMATS, notes, render
    from palsim.report.metrics import check_metric_name
    from palsim.report.paired import compare
    from palsim.report.plot import ROBUSTNESS, import_pyplot, plot_report

    try:
        if output_format not in FORMATS:
            raise ValueError(f"--format {output_format!r}: choose one of: {', '.join(FORMATS)}")
        if metric in ROBUSTNESS:  # the robustness panel's choice, once spelled --metric
            raise ValueError(
                f"--metric {metric!r}: the noise-robustness panel's final | aubc is --robustness"
            )
        check_metric_name(metric)
        if robustness not in ROBUSTNESS:
            choices = ", ".join(ROBUSTNESS)
            raise ValueError(f"--robustness {robustness!r}: choose one of: {choices}")
        if per_run and output_format != "csv":
            raise ValueError("--per-run applies to --format csv only")
        if diagnostics and output_format == "csv":
            raise ValueError(
                "--diagnostics applies to table, json and markdown; "
                "--format csv --per-run has every diagnostic of every run"
            )
        if plot is not None:
            import_pyplot()
        groups, skipped = build_report(runs_dir, metric)
    except ValueError as error:
        raise UsageError(str(error)) from None
    for directory, reason in skipped:
        print(f"skipped {plain(directory)}: {plain(reason)}", file=sys.stderr)
    if not groups:
        raise UsageError(f"no finished runs in {runs_dir}{metric_note(metric)}")
    try:
        comparisons = compare(groups, baseline) if baseline is not None else None
    except ValueError as error:
        raise UsageError(str(error)) from None
    for line in notes(groups, comparisons):
        print(line, file=sys.stderr)
    fmt = "per-run" if per_run else output_format
    text = render(groups, skipped, fmt, comparisons, diagnostics)
    if text is not None:
        sys.stdout.write(text)
    if plot is not None:
        plot_report(groups, plot, robustness, comparisons)
        print(f"wrote {plot}", file=sys.stderr)


def metric_note(metric: str) -> str:
    """`` with a test mIoU`` when ``--metric`` named one: why no run was left."""
    from palsim.report.metrics import AUTO, REPORT_METRICS

    return "" if metric == AUTO else f" with a {REPORT_METRICS.get(metric).label}"


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: option-parsing errors, too, become one line and exit 2.

    Called as the ``palsim`` command (``argv`` None), the process ends right after the
    command, without the interpreter's teardown of torch (about 0.9 s per run, measured in
    docs/benchmarks.md): every run store is closed by then, and the standard streams are
    flushed here. A caller that passes ``argv`` (tests, scripts) gets the exit code back.
    """
    code = _main(argv)
    if argv is None:
        exit_now(code)
    return code


def exit_now(code: int) -> NoReturn:
    """Flush the standard streams and leave without the interpreter's shutdown."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing reaches it
            stream.flush()
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    try:
        result = app(args=argv, prog_name="palsim", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        # The parser's usage errors carry exit_code 2 and format_message (click's protocol).
        if getattr(error, "exit_code", None) != 2 or not hasattr(error, "format_message"):
            raise
        if type(error).__name__ == "NoArgsIsHelpError":
            return _main([*(argv if argv is not None else sys.argv[1:]), "--help"])
        # The choice parser words its message "Value error, 'x' is not one of ..."
        message = error.format_message().replace(": Value error, ", ": ")
        print(f"error: {plain(message)}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0

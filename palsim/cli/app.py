"""The ``palsim`` command line. Commands parse options, build a config, call the library, print.

Exit codes: 0 success, 2 bad usage or bad input (one line naming the problem), 1 a runtime
failure (traceback only with ``--debug``), 130 interrupted. torch is imported only by the
commands that run studies, so ``palsim --help`` and ``palsim watch`` start fast.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import typer

from palsim import __version__
from palsim.events import plain

app = typer.Typer(
    name="palsim",
    help="Simulated noisy-oracle active-learning studies: PAL and baselines under label noise.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
list_app = typer.Typer(help="List the registered datasets, strategies, oracles and models.")
oracles_app = typer.Typer(help="Inspect oracle (label-noise) models.")
app.add_typer(list_app, name="list")
app.add_typer(oracles_app, name="oracles")


class UsageFailure(Exception):
    """Raised by commands for bad input: printed as one line, exit code 2."""


def usage_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn a command's UsageFailure into ``error: ...`` on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except UsageFailure as error:
            # Messages quote paths and values from run folders: never let them drive the terminal.
            print(f"error: {plain(error)}", file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


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


@app.command()
@usage_errors
def run(
    dataset: str = typer.Option(None, help="Dataset name or imagefolder:PATH [fashion-mnist]."),
    data_dir: str = typer.Option(None, "--data-dir", help="Folder holding the dataset files."),
    strategy: str = typer.Option(
        None, help="Query strategy, see `palsim list strategies` [entropy]."
    ),
    strategy_option: list[str] = typer.Option(
        None, "--strategy-option", "-S", help="Strategy setting key=value (repeatable)."
    ),
    oracle: str = typer.Option(None, help="Oracle spec, e.g. perfect, noisy:0.2 [perfect]."),
    seed: int = typer.Option(None, help="Run seed [0]."),
    noise_seed: int = typer.Option(None, "--noise-seed", help="Oracle noise seed [= seed]."),
    preset: str = typer.Option(None, help="quick | paper | auto (paper on a GPU) [auto]."),
    initial: str = typer.Option(None, help="Initial labeled set: fraction (0.1) or count (500)."),
    budget: str = typer.Option(None, help="Samples queried per cycle: fraction or count."),
    cycles: int = typer.Option(None, help="Training rounds (the last one does not query)."),
    pool_size: int = typer.Option(
        None, "--pool-size", help="Random subsample of the training split."
    ),
    epochs: int = typer.Option(None, help="Task-model epochs per cycle."),
    batch_size: int = typer.Option(None, "--batch-size", help="Task-model batch size."),
    learning_rate: float = typer.Option(None, "--lr", help="Task-model peak learning rate."),
    test_size: int = typer.Option(
        None, "--test-size", help="Evaluate on a fixed subset of the test split."
    ),
    model: str = typer.Option(None, help="small-cnn | resnet18 | auto [auto]."),
    device: str = typer.Option(None, help="auto | cpu | cuda [auto]."),
    precision: str = typer.Option(
        None, help="auto | fp32 | bf16 autocast (auto: bf16 on CUDA, fp32 on a CPU) [auto]."
    ),
    exclude_classes: str = typer.Option(
        None, "--exclude-classes", help="Keep classes out of the initial set: 3,5 or random:2."
    ),
    relabel: str = typer.Option(None, help="Re-ask given labels: none | random | disagree."),
    relabel_share: float = typer.Option(
        None, "--relabel-share", help="Fraction of each cycle's budget spent re-asking [0]."
    ),
    out: str = typer.Option(None, help="Folder of run directories [runs]."),
    name: str = typer.Option(None, help="Run directory name [derived from the settings]."),
    config_file: str = typer.Option(None, "--config", help="Study file (.toml) or a config.json."),
    resume: Path = typer.Option(None, help="Resume the run in this directory."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    tui: bool = typer.Option(False, "--tui", help="Show the live dashboard while it runs."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of runtime failures."),
) -> None:
    """Run one active-learning study and write runs/<name>/.

    Example: palsim run --oracle noisy:0.2 --strategy entropy --seed 1
    """
    from palsim.config import build_config, load_study_file, parse_key_values

    overrides: dict[str, Any] = {
        "dataset": dataset, "data_dir": data_dir, "strategy": strategy, "oracle": oracle,
        "seed": seed, "noise_seed": noise_seed, "preset": preset, "initial": initial,
        "budget": budget, "cycles": cycles, "pool_size": pool_size, "epochs": epochs,
        "batch_size": batch_size, "learning_rate": learning_rate, "model": model,
        "test_size": test_size, "device": device, "exclude_classes": exclude_classes,
        "relabel": relabel, "relabel_share": relabel_share, "out": out, "name": name,
        "precision": precision,
    }
    try:
        if strategy_option:
            overrides["strategy_options"] = parse_key_values(strategy_option, "--strategy-option")
        file_values = load_study_file(config_file) if config_file else {}
        config = build_config(file_values, overrides) if resume is None else None
        # With --resume, every study option given must match the run's: refused, not ignored.
        resume_options = {**file_values, **overrides}
        if resume is not None:
            from palsim.resume_check import check_resume_options

            check_resume_options(resume, resume_options)
    except (ValueError, TypeError) as error:
        raise UsageFailure(str(error)) from None
    if tui:
        raise typer.Exit(run_in_dashboard(config, resume))
    summary = run_study_command(config, resume, quiet=quiet, debug=debug, options=resume_options)
    if as_json:
        print(json.dumps(summary))


def run_study_command(
    config: Any, resume: Path | None, quiet: bool, debug: bool, options: dict[str, Any]
) -> dict[str, Any]:
    from palsim.cli.console import ConsolePrinter
    from palsim.runner import UsageError, execute, prepare, prepare_resume
    from palsim.store import read_summary

    try:
        prepared = prepare_resume(resume, options) if resume is not None else prepare(config)
    except UsageError as error:
        raise UsageFailure(str(error)) from None
    finished = resume is not None and (read_summary(resume) or {}).get("status") == "finished"
    printer = None if quiet else ConsolePrinter()
    if prepared.notice and not quiet:
        print(prepared.notice, file=sys.stderr)
    try:
        summary = execute(prepared, printer)
        if finished:
            print(f"{plain(resume)} is already finished; nothing to resume", file=sys.stderr)
        return summary
    except UsageError as error:
        raise UsageFailure(str(error)) from None
    except KeyboardInterrupt:
        print(f"interrupted; results so far are in {plain(prepared.directory)}", file=sys.stderr)
        raise typer.Exit(130) from None
    except Exception as error:
        if debug:
            raise
        print(
            f"error: run failed: {type(error).__name__}: {plain(error)} "
            f"(see {plain(prepared.directory)}; --debug for the traceback)",
            file=sys.stderr,
        )
        raise typer.Exit(1) from None


def run_in_dashboard(config: Any, resume: Path | None) -> int:
    """Start the study as a child process writing its folder, and watch that folder."""
    from palsim.events import writer_active
    from palsim.store import default_run_name
    from tui.launch import run_with_tui

    if resume is not None:
        return run_with_tui(["run", "--resume", str(resume), "--quiet"], resume)
    name = config.name or default_run_name(config.to_dict())
    directory = Path(config.out) / name
    if writer_active(directory):  # the study would refuse it; keep its folder untouched
        raise UsageFailure(f"run folder {directory} is being written by another process")
    directory.mkdir(parents=True, exist_ok=True)
    study_file = directory / "study.json"
    study_file.write_text(json.dumps({**config.to_dict(), "name": name}))
    return run_with_tui(["run", "--config", str(study_file), "--quiet"], directory)


@list_app.command("datasets")
def list_datasets() -> None:
    """List the datasets. Example: palsim list datasets"""
    from palsim.datasets import DATASETS

    print_rows(DATASETS.describe())


@list_app.command("strategies")
def list_strategies() -> None:
    """List the query strategies. Example: palsim list strategies"""
    from palsim.strategies import load_all

    print_rows(load_all().describe())


@list_app.command("oracles")
def list_oracles() -> None:
    """List the oracle models with an example spec each. Example: palsim list oracles"""
    from oracles import FORMS

    print_rows([(form, f"{meaning} (e.g. {example})") for form, example, meaning in FORMS])


@list_app.command("models")
def list_models() -> None:
    """List the task models. Example: palsim list models"""
    from palsim.models import MODELS

    print_rows(MODELS.describe())


def print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        print(f"{name.ljust(width)}  {description}")


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
        raise UsageFailure(str(error)) from None
    console = Console()
    for renderable in oracle_table(oracle, class_names):
        console.print(renderable)
    for note in notes:
        console.print(note, markup=False, highlight=False)


def realise_oracle(
    spec: str, dataset_name: str, data_dir: str | None, noise_seed: int
) -> tuple[Any, list[str], list[str]]:
    """The oracle built for a dataset and supplied with its per-sample inputs."""
    import oracles
    from palsim.datasets import DatasetNotFound, load_dataset
    from palsim.oracle_inputs import supply_inputs
    from palsim.runner import UsageError, resolve_device

    try:
        data = load_dataset(dataset_name, Path(data_dir) if data_dir else None)
        device = resolve_device("auto")
    except (DatasetNotFound, UsageError) as error:
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
        raise UsageFailure(str(error)) from None
    raise typer.Exit(code)


@app.command()
@usage_errors
def sweep(
    strategy: str = typer.Option(None, help="Strategies, a comma list: pal,entropy,random."),
    oracle: str = typer.Option(
        None, help="Oracle specs, a comma list; a bare number repeats the model: noisy:0,0.1,0.2."
    ),
    seeds: str = typer.Option(None, help="Seeds: a range 0-4 or a list 0,3,7 [0]."),
    dataset: str = typer.Option(None, help="Datasets, a comma list [fashion-mnist]."),
    data_dir: str = typer.Option(None, "--data-dir", help="Folder holding the dataset files."),
    strategy_option: list[str] = typer.Option(
        None, "--strategy-option", "-S", help="Strategy setting key=value (repeatable)."
    ),
    preset: str = typer.Option(None, help="quick | paper | auto (paper on a GPU) [auto]."),
    initial: str = typer.Option(None, help="Initial labeled set: fraction (0.1) or count (500)."),
    budget: str = typer.Option(None, help="Samples queried per cycle: fraction or count."),
    cycles: int = typer.Option(None, help="Training rounds (the last one does not query)."),
    pool_size: int = typer.Option(None, "--pool-size", help="Random subsample of the train split."),
    epochs: int = typer.Option(None, help="Task-model epochs per cycle."),
    batch_size: int = typer.Option(None, "--batch-size", help="Task-model batch size."),
    learning_rate: float = typer.Option(None, "--lr", help="Task-model peak learning rate."),
    test_size: int = typer.Option(None, "--test-size", help="Evaluate on a fixed test subset."),
    model: str = typer.Option(None, help="small-cnn | resnet18 | auto [auto]."),
    device: str = typer.Option(None, help="auto | cpu | cuda [auto]."),
    exclude_classes: str = typer.Option(None, "--exclude-classes", help="e.g. 3,5 or random:2."),
    relabel: str = typer.Option(None, help="Re-ask given labels: none | random | disagree."),
    relabel_share: float = typer.Option(
        None, "--relabel-share", help="Fraction of each cycle's budget spent re-asking [0]."
    ),
    config_file: str = typer.Option(None, "--config", help="Study file (.toml) or a config.json."),
    out: str = typer.Option(None, help="Folder of run directories [runs]."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Local worker processes at a time."),
    backend: str = typer.Option("local", help="local | ray."),
    address: str = typer.Option(None, help="Ray cluster address [a local Ray instance]."),
    runs_per_gpu: int = typer.Option(1, "--runs-per-gpu", help="Ray: runs sharing one GPU."),
    cpus_per_run: int = typer.Option(1, "--cpus-per-run", help="Ray: CPUs (threads) per run."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the runs and their state only."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcomes as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Report failures only."),
) -> None:
    """Run a grid of studies: strategies x oracles x seeds; finished runs are skipped.

    Each run is named dataset-strategy-oracle-s<seed>, so running the same sweep again skips
    what finished and resumes what was interrupted. Exit code 1 when a run failed.

    Example: palsim sweep --strategy pal,entropy,random --oracle noisy:0,0.1,0.2 --seeds 0-4 -j 2
    """
    from palsim.cli.sweep_progress import SweepProgress
    from palsim.config import build_config, load_study_file, parse_key_values
    from palsim.sweep.backends import make_backend
    from palsim.sweep.grid import grid_from_options, plan, run_sweep

    overrides: dict[str, Any] = {
        "data_dir": data_dir, "preset": preset, "initial": initial, "budget": budget,
        "cycles": cycles, "pool_size": pool_size, "epochs": epochs, "batch_size": batch_size,
        "learning_rate": learning_rate, "test_size": test_size, "model": model,
        "device": device, "exclude_classes": exclude_classes, "out": out,
        "relabel": relabel, "relabel_share": relabel_share,
    }
    try:
        if strategy_option:
            overrides["strategy_options"] = parse_key_values(strategy_option, "--strategy-option")
        base = build_config(load_study_file(config_file) if config_file else {}, overrides)
        points = grid_from_options(base, dataset, strategy, oracle, seeds)
        run_all = make_backend(backend, jobs, address, runs_per_gpu, cpus_per_run)
    except (ValueError, TypeError) as error:
        raise UsageFailure(str(error)) from None
    if dry_run:
        for point, state, detail in plan(points):
            note = f"  ({detail})" if detail else ""
            print(plain(f"{state:8} {point.directory}{note}"))
        return
    progress = SweepProgress(quiet=quiet)
    try:
        outcomes = run_sweep(points, run_all, progress.start, progress.outcome)
    except KeyboardInterrupt:
        progress.close(str(points[0].directory.parent))
        print("interrupted; run the same sweep again to resume it", file=sys.stderr)
        raise typer.Exit(130) from None
    progress.close(str(points[0].directory.parent))
    if as_json:
        print(json.dumps([outcome.to_dict() for outcome in outcomes]))
    if any(outcome.status != "finished" and outcome.status != "skipped" for outcome in outcomes):
        raise typer.Exit(1)


@app.command()
@usage_errors
def report(
    runs_dir: Path = typer.Argument(..., help="A folder of run directories (or one run)."),
    output_format: str = typer.Option("table", "--format", help="table | csv | json | markdown."),
    plot: Path = typer.Option(None, help="Also draw learning curves and noise robustness here."),
    metric: str = typer.Option("final", help="Noise-robustness plot: final | aubc."),
    baseline: str = typer.Option(
        None, help="Paired differences to this strategy (same seeds), with 95% CIs."
    ),
    per_run: bool = typer.Option(
        False, "--per-run", help="With --format csv: one row per run and cycle, not averaged."
    ),
) -> None:
    """Aggregate finished runs by their whole configuration except the seeds: mean ± std per
    cycle, AUBC; runs that differ in any other setting are reported apart.

    Unfinished, failed or corrupt runs are listed on stderr and skipped.

    Example: palsim report runs/ --baseline random --format markdown --plot curves.png
    """
    from palsim.report.aggregate import report as build_report
    from palsim.report.formats import FORMATS, notes, render
    from palsim.report.paired import compare
    from palsim.report.plot import METRICS, import_pyplot, plot_report

    try:
        if output_format not in FORMATS:
            raise ValueError(f"--format {output_format!r}: choose one of: {', '.join(FORMATS)}")
        if metric not in METRICS:
            raise ValueError(f"--metric {metric!r}: choose one of: {', '.join(METRICS)}")
        if per_run and output_format != "csv":
            raise ValueError("--per-run applies to --format csv only")
        if plot is not None:
            import_pyplot()
        groups, skipped = build_report(runs_dir)
    except ValueError as error:
        raise UsageFailure(str(error)) from None
    for directory, reason in skipped:
        print(f"skipped {plain(directory)}: {plain(reason)}", file=sys.stderr)
    if not groups:
        raise UsageFailure(f"no finished runs in {runs_dir}")
    try:
        comparisons = compare(groups, baseline) if baseline is not None else None
    except ValueError as error:
        raise UsageFailure(str(error)) from None
    for line in notes(groups, comparisons):
        print(line, file=sys.stderr)
    text = render(groups, skipped, "per-run" if per_run else output_format, comparisons)
    if text is not None:
        sys.stdout.write(text)
    if plot is not None:
        plot_report(groups, plot, metric, comparisons)
        print(f"wrote {plot}", file=sys.stderr)


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
        result = app(args=argv, standalone_mode=False)
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
        print(f"error: {plain(error.format_message())}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0

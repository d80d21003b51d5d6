"""``palsim run``: one study, from options and an optional study file, or a resumed run folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from palsim.cli.errors import runtime_failure
from palsim.cli.options import study_options, study_values
from palsim.errors import UsageError
from palsim.events import plain


@study_options
def run(
    dataset: str = typer.Option(
        None, help="Dataset, see `palsim list datasets`, or imagefolder:PATH [fashion-mnist]."
    ),
    strategy: str = typer.Option(
        None, help="Query strategy, see `palsim list strategies` [entropy]."
    ),
    oracle: str = typer.Option(None, help="Oracle spec, e.g. perfect, noisy:0.2 [perfect]."),
    seed: int = typer.Option(None, help="Run seed [0]."),
    noise_seed: int = typer.Option(None, "--noise-seed", help="Oracle noise seed [= seed]."),
    name: str = typer.Option(None, help="Run directory name [derived from the settings]."),
    *,
    study: dict[str, Any],
    resume: Path = typer.Option(
        None, help="Resume the run in this directory (a finished run: says so, exit 0)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    tui: bool = typer.Option(False, "--tui", help="Show the live dashboard while it runs."),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of any failure."),
) -> None:
    """Run one active-learning study and write runs/<name>/.

    Example: palsim run --oracle noisy:0.2 --strategy entropy --seed 1
    """
    from palsim.config import build_config, load_study_file

    config = None
    single = {
        "dataset": dataset,
        "strategy": strategy,
        "oracle": oracle,
        "seed": seed,
        "noise_seed": noise_seed,
        "name": name,
    }
    try:
        config_file, overrides = study_values(study)
        file_values = load_study_file(config_file) if config_file else {}
        # With --resume, every study option given must match the run's: refused, not ignored.
        options = {**file_values, **overrides, **single}
        if resume is None:
            config = build_config(file_values, {**overrides, **single})
    except ValueError as error:
        raise UsageError(str(error)) from None
    if tui:
        raise typer.Exit(run_in_dashboard(config, resume))
    summary = run_study_command(config, resume, quiet=quiet, debug=debug, options=options)
    if as_json:
        print(json.dumps(summary))


def run_study_command(
    config: Any, resume: Path | None, quiet: bool, debug: bool, options: dict[str, Any]
) -> dict[str, Any]:
    """Prepare (or reopen) the run, run it with a console printer; returns the summary.

    ``options`` are the study options given on the command line, checked against a resumed
    run's configuration.
    """
    from palsim.cli.console import ConsolePrinter
    from palsim.runner import AlreadyFinished, execute, prepare, prepare_resume

    try:
        prepared = prepare_resume(resume, options) if resume is not None else prepare(config)
    except AlreadyFinished as finished:
        print(plain(str(finished)), file=sys.stderr)
        return finished.summary
    printer = None if quiet else ConsolePrinter()
    if prepared.notice and not quiet:
        print(prepared.notice, file=sys.stderr)
    try:
        return execute(prepared, printer)
    except UsageError:
        raise
    except KeyboardInterrupt:
        print(f"interrupted; results so far are in {plain(prepared.directory)}", file=sys.stderr)
        raise typer.Exit(130) from None
    except Exception as error:
        if debug:
            raise
        raise runtime_failure(
            f"run failed: {type(error).__name__}: {error} "
            f"(see {prepared.directory}; --debug for the traceback)"
        ) from None


def run_in_dashboard(config: Any, resume: Path | None) -> int:
    """Start the study as a child process writing its folder, and watch that folder.

    The study is checked here first, so that bad input leaves no folder behind.
    """
    from palsim.events import writer_active
    from palsim.runner import check, check_output
    from palsim.store import default_run_name
    from tui.launch import run_with_tui

    if resume is not None:
        return run_with_tui(["run", "--resume", str(resume), "--quiet"], resume)
    try:
        resolved, _ = check(config)
        name = config.name or default_run_name(resolved.config.to_dict())
        directory = Path(config.out) / name
        check_output(directory)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if writer_active(directory):  # the study would refuse it; keep its folder untouched
        raise UsageError(f"run folder {directory} is being written by another process")
    directory.mkdir(parents=True, exist_ok=True)
    study_file = directory / "study.json"
    study_file.write_text(json.dumps(config.to_dict()))
    child = ["run", "--config", str(study_file), "--out", config.out, "--name", name, "--quiet"]
    return run_with_tui(child, directory)

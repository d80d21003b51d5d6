"""``palsim sweep``: a grid of studies; every grid point is checked before the first run starts."""

from __future__ import annotations

import json
import sys
from typing import Any, Literal, get_args

import typer

from palsim.cli.options import study_options, study_values
from palsim.errors import UsageError
from palsim.events import RunStatus, plain

BackendName = Literal["local", "ray"]
BACKENDS = get_args(BackendName)


@study_options
def sweep(
    strategy: str = typer.Option(None, help="Strategies, a comma list: pal,entropy,random."),
    oracle: str = typer.Option(
        None, help="Oracle specs, a comma list; a bare number repeats the model: noisy:0,0.1,0.2."
    ),
    seeds: str = typer.Option(None, help="Seeds: a range 0-4 or a list 0,3,7 [0]."),
    dataset: str = typer.Option(None, help="Datasets, a comma list [fashion-mnist]."),
    *,
    study: dict[str, Any],
    jobs: int = typer.Option(1, "--jobs", "-j", help="Local worker processes at a time."),
    backend: BackendName = typer.Option("local", help="Where runs execute."),
    address: str = typer.Option(None, help="Ray cluster address [a local Ray instance]."),
    runs_per_gpu: int = typer.Option(1, "--runs-per-gpu", help="Ray: runs sharing one GPU."),
    cpus_per_run: int = typer.Option(1, "--cpus-per-run", help="Ray: CPUs (threads) per run."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the runs and their state only."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcomes as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Report failures only."),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of any failure."),
) -> None:
    """Run a grid of studies: strategies x oracles x seeds; finished runs are skipped.

    Each run is named dataset-strategy-oracle-s<seed>, so running the same sweep again skips
    what finished and resumes what was interrupted. Every grid point is checked before the
    first run starts. Exit code 1 when a run failed.

    Example: palsim sweep --strategy pal,entropy,random --oracle noisy:0,0.1,0.2 --seeds 0-4 -j 2
    """
    from palsim.cli.sweep_progress import SweepProgress
    from palsim.config import build_config, load_study_file
    from palsim.sweep.backends import make_backend
    from palsim.sweep.grid import SKIPPED, check_points, grid_from_options, plan, run_sweep

    try:
        config_file, overrides = study_values(study)
        base = build_config(load_study_file(config_file) if config_file else {}, overrides)
        points = grid_from_options(base, dataset, strategy, oracle, seeds)
        check_points(points)
        run_all = make_backend(backend, jobs, address, runs_per_gpu, cpus_per_run)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if dry_run:
        for point, state, detail in plan(points):
            note = f"  ({detail})" if detail else ""
            print(plain(f"{state:8} {point.directory}{note}"))
        return
    progress = SweepProgress(quiet=quiet)
    out = str(points[0].directory.parent)
    try:
        outcomes = run_sweep(points, run_all, progress.start, progress.outcome)
    except KeyboardInterrupt:
        progress.close(out)
        print("interrupted; run the same sweep again to resume it", file=sys.stderr)
        raise typer.Exit(130) from None
    progress.close(out)
    if as_json:
        print(json.dumps([outcome.to_dict() for outcome in outcomes]))
    if any(outcome.status not in (RunStatus.FINISHED, SKIPPED) for outcome in outcomes):
        raise typer.Exit(1)

"""Nothing read from a run folder reaches the terminal as escape sequences or markup."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.cli.console import ConsolePrinter
from palsim.events import plain
from tests.reliability.hostile import (
    FORBIDDEN,
    HOSTILE,
    hostile_config,
    malformed_events,
    write_hostile_run,
)
from tests.tui.fake_run import cycle_events


def assert_inert(text: str) -> None:
    found = [repr(char) for char in FORBIDDEN if char in text]
    assert not found, f"terminal control characters in the output: {found}"


def test_plain_escapes_every_control_character_visibly() -> None:
    assert plain("a\x1b[31mb\x07c\x9bd\x00e\u202ef") == "a\\x1b[31mb\\x07c\\x9bd\\x00e\\u202ef"
    assert plain("tab\tnew\nline") == "tab\\x09new\\x0aline"
    assert plain("[bold]ünïcödé ✔[/]") == "[bold]ünïcödé ✔[/]"  # markup is Rich's business
    assert plain(plain(HOSTILE)) == plain(HOSTILE)  # applying it twice changes nothing


@pytest.fixture
def hostile_runs(tmp_path: Path) -> Path:
    write_hostile_run(tmp_path)
    write_hostile_run(tmp_path, name="failed-\x1b]8;;x\x07", finished=False)
    return tmp_path


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "json"])
def test_report_formats_show_hostile_names_as_plain_text(hostile_runs: Path, fmt: str) -> None:
    result = CliRunner().invoke(app, ["report", str(hostile_runs), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert_inert(result.stderr)
    # The failed run is listed, its error text escaped.
    assert "skipped " in result.stderr and "\\x1b]8;;x\\x07" in result.stderr
    if fmt == "json":
        group = json.loads(result.stdout)["groups"][0]
        assert group["strategy"] == HOSTILE  # JSON keeps the text, escaped by the encoder
    else:
        # The markup is shown, not interpreted (Rich would have swallowed the brackets).
        assert "[link=http://x]l[/link]" in result.stdout


def test_markdown_cells_cannot_split_a_row(tmp_path: Path) -> None:
    from palsim.report.formats import markdown_table
    from palsim.report.rows import TextTable

    table = markdown_table(TextTable("t", ["a", "b"], [["x | y", "z"]], 1))
    assert table.splitlines()[4] == "| x \\| y | z |"


@pytest.mark.parametrize("live", [False, True])
def test_console_printer_prints_config_strings_plainly(live: bool) -> None:
    stream = io.StringIO()
    printer = ConsolePrinter(stream, live=live)
    config = {**hostile_config(HOSTILE), "cycles": 2, "epochs": 3}
    printer(
        {
            "event": "run_started",
            "config": config,
            "dataset": HOSTILE,
            "pool_size": 1,
            "model": HOSTILE,
            "device": HOSTILE,
            "resumed_from": None,
        }
    )
    for event in cycle_events(0, last=True):
        if event["event"] in ("phase", "epoch"):
            event["phase"] = HOSTILE
        printer(event)
    printer.close()
    output = stream.getvalue()
    assert_inert(output)
    assert "[bold red]markup[/]" in output and "cycle 0: labeled 100" in output


def test_cli_errors_quote_run_folder_text_plainly(tmp_path: Path) -> None:
    directory = tmp_path / "run\x1b[2J"
    directory.mkdir()
    result = CliRunner().invoke(app, ["run", "--resume", str(directory)])
    assert result.exit_code == 2
    assert_inert(result.stderr)
    assert result.stderr.startswith("error: --resume ") and "run\\x1b[2J" in result.stderr


def test_the_dashboard_state_survives_every_wrong_field() -> None:
    """Each field of each event set to each wrong type: folded and drawn without an error."""
    from tui.config_panel import config_text
    from tui.curve import Series, render_curve
    from tui.cycle_progress import progress_text
    from tui.cycle_table import cycle_rows
    from tui.query_stats import class_lines, summary_lines
    from tui.run_state import RunState

    events = malformed_events()
    assert len(events) > 500
    for event in events:
        state = RunState(name="x")
        state.apply(event)
        drawn = [
            progress_text(state.name, state.status(0), state.progress, state.error),
            config_text(state.config),
            *cycle_rows(state),
            render_curve([Series("x", state.curve_points())], 60, 12),
        ]
        for query in state.queries.values():
            drawn += [
                *summary_lines(query),
                *class_lines(query, dict(enumerate(state.class_names))),
            ]
        assert_inert(" ".join(str(getattr(item, "plain", item)) for item in drawn))


def test_report_survives_every_wrong_field_of_a_summary(tmp_path: Path) -> None:
    """Each summary field (and each field of a cycle) set to each wrong type: reported or
    skipped with a reason, never a traceback."""
    from palsim.report.aggregate import report
    from palsim.report.formats import render
    from tests.reliability.hostile import WRONG_VALUES
    from tests.tui.fake_run import run_events

    records = [e["record"] for e in run_events("x", cycles=2) if e["event"] == "cycle_finished"]
    good = {"config": hostile_config("x"), "cycles": records, "status": "finished"}
    variants = [{**good, key: value} for key in good for value in WRONG_VALUES]
    variants += [
        {**good, "config": {**good["config"], key: value}}
        for key in ("dataset", "oracle", "strategy", "seed")
        for value in WRONG_VALUES
    ]
    variants += [
        {**good, "cycles": [records[0], {**records[1], key: value}]}
        for key in records[1]
        for value in WRONG_VALUES
    ]
    variants.append([good])  # a list, not an object
    for index, summary in enumerate(variants):
        directory = tmp_path / f"run{index}"
        directory.mkdir()
        (directory / "summary.json").write_text(json.dumps(summary))
    groups, skipped = report(tmp_path)
    assert groups and skipped
    assert len(skipped) + sum(group.runs for group in groups) == len(variants)
    for fmt in ("csv", "markdown", "json"):
        text = render(groups, skipped, fmt)
        assert text is not None
        assert_inert(text)

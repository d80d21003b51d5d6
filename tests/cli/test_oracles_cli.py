"""`palsim oracles show` and `palsim list oracles` through Typer's CliRunner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from oracles import FORMS, MASK_FORMS
from palsim.cli import app

runner = CliRunner()


def test_show_prints_the_matrix_and_the_annotators() -> None:
    result = runner.invoke(app, ["oracles", "show", "annotators:2:0.1-0.3", "--classes", "3"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["0", "0.800", "0.100", "0.100"] in lines
    assert ["a2", "0.300", "1"] in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["noisy:2"], "error: bad oracle spec 'noisy:2': '2' is outside [0, 1]; valid forms: "),
        (["pair:0.1", "--classes", "1"], "error: an oracle needs at least 2 classes, got 1"),
        (["bogus"], "error: unknown oracle spec 'bogus'; valid forms: perfect, noisy:P"),
    ],
)
def test_show_rejects_a_bad_spec_in_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["oracles", "show", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_list_oracles_shows_every_form_with_its_example() -> None:
    result = runner.invoke(app, ["list", "oracles"])
    assert result.exit_code == 0
    for form, example, _ in FORMS:
        assert form in result.stdout and example in result.stdout
    lines = result.stdout.splitlines()
    for form, example, _ in MASK_FORMS[1:]:
        rows = [line for line in lines if line.startswith(f"{form} ")]
        assert len(rows) == 1 and "  masks: " in rows[0] and rows[0].endswith(f"(e.g. {example})")
    assert sum(line.startswith("perfect ") for line in lines) == 1

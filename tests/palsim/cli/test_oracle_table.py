import io

import pytest
from rich.console import Console

import oracles
from palsim.cli.oracle_table import oracle_table


def render(spec: str, classes: int, names: list[str] | None = None) -> str:
    console = Console(width=80, record=True, file=io.StringIO())
    for renderable in oracle_table(oracles.parse(spec, classes), names):
        console.print(renderable)
    return console.export_text()


def test_matrix_rows_are_true_classes_with_three_decimals() -> None:
    text = render("cifar10-asym:0.4", 10)
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    # truck (9) is answered automobile (1) with probability 0.4
    assert rows["9"] == ["0.000", "0.400"] + ["0.000"] * 7 + ["0.600"]
    assert rows["true"] == [str(c) for c in range(10)]
    assert "mean noise rate 0.200" in text
    assert "annotators" not in text
    assert "…" not in text  # ten classes fit 80 columns


def test_pool_lists_annotators_with_error_rate_and_cost() -> None:
    text = render("annotators:3:0.1-0.3:cost=2.5", 3, ["cat", "dog", "fox"])
    lines = [line.split() for line in text.splitlines()]
    assert ["a2", "0.200", "2.5"] in lines
    assert ["cat", "0.800", "0.100", "0.100"] in lines


def test_class_names_must_match_the_class_count() -> None:
    with pytest.raises(ValueError, match="2 class names for 3 classes"):
        oracle_table(oracles.parse("perfect", 3), ["a", "b"])

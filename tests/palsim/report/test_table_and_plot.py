"""The terminal table at 80 columns, and the plot's noise families and paired panels."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.report.aggregate import report
from palsim.report.plot import has_robustness_line, noise_family, robustness_lines
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()
LONG_ORACLE = "annotators:5:0.1-0.4:vote=3"


@pytest.fixture
def runs(tmp_path) -> Path:
    """Two strategies x four oracles x two seeds, and one PAL run at other epochs."""
    oracles = {"perfect": 0.8, "noisy:0": 0.78, "pair:0.15": 0.7, "noisy:0.3": 0.6}
    for oracle, final in {**oracles, LONG_ORACLE: 0.65}.items():
        for seed in (0, 1):
            for strategy, bonus in (("random", 0.0), ("pal", 0.01 * (seed + 1))):
                accuracies = [0.5, 0.6, final + bonus]
                write_run(
                    tmp_path,
                    f"{strategy}-{oracle}-s{seed}".replace(":", "_"),
                    strategy,
                    oracle,
                    seed,
                    accuracies,
                )
    write_run(tmp_path / "sub", "pal-long", "pal", "noisy:0", 0, [0.6, 0.7, 0.9], epochs=30)
    return tmp_path


def test_table_keeps_the_oracle_and_numbers_whole_at_80_columns(runs) -> None:
    result = runner.invoke(
        app, ["report", str(runs), "--baseline", "random"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    assert any(LONG_ORACLE in line for line in lines)
    assert any(
        "pal" in line and "epochs=30" in line and "0.9000 ± 0.0000" in line for line in lines
    )
    assert any("+0.0150 ± 0.0635" in line for line in lines)  # 0.01, 0.02: 12.706 * 0.005


def test_table_on_a_wide_terminal_is_one_table_with_the_dataset_in_its_title(runs) -> None:
    result = runner.invoke(app, ["report", str(runs)], env={"COLUMNS": "200"})
    titles = [line.strip() for line in result.stdout.splitlines() if "Runs by" in line]
    assert titles == [
        "fashion-mnist: Runs by configuration, test accuracy (mean ± std over seeds, std n - 1)"
    ]


@pytest.mark.parametrize(
    ("spec", "family"),
    [
        ("noisy:0.3", ("noisy", 0.3)),
        ("uniform:0.2", ("noisy", 0.2)),
        ("pair:0.15", ("pair", 0.15)),
        ("perfect", ("perfect", 0.0)),
        (LONG_ORACLE, None),
        ("matrix:t.csv", None),
        ("noisy:1.5", None),
    ],
)
def test_noise_family(spec, family) -> None:
    assert noise_family(spec) == family


def test_robustness_lines_never_join_families_and_start_at_the_perfect_oracle(runs) -> None:
    groups, _ = report(runs)
    lines = robustness_lines(groups, "final")
    shape = {
        line: [(rate, round(spread.mean, 4)) for rate, spread in points]
        for line, points in lines.items()
    }
    assert shape == {
        ("pal [epochs=15]", "noisy"): [(0.0, 0.795), (0.3, 0.615)],
        ("pal [epochs=15]", "pair"): [(0.0, 0.815), (0.15, 0.715)],  # perfect is pair's rate 0
        ("pal [epochs=30]", "noisy"): [(0.0, 0.9)],
        ("random [epochs=15]", "noisy"): [(0.0, 0.78), (0.3, 0.6)],
        ("random [epochs=15]", "pair"): [(0.0, 0.8), (0.15, 0.7)],
    }


def test_plot_with_paired_panels(runs, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    plot = tmp_path / "report.png"
    result = runner.invoke(app, ["report", str(runs), "--baseline", "random", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_robustness_panel_needs_two_rates_of_one_family(runs, tmp_path) -> None:
    groups, _ = report(runs)
    assert has_robustness_line(groups, "final")
    for seed in (0, 1):
        for strategy in ("random", "entropy"):
            write_run(tmp_path / "clean", f"{strategy}-{seed}", strategy, "perfect", seed,
                      [0.5, 0.6, 0.7])  # fmt: skip
    clean, _ = report(tmp_path / "clean")
    assert not has_robustness_line(clean, "final")  # one point per strategy: no panel
    pytest.importorskip("matplotlib")
    plot = tmp_path / "clean.png"
    args = ["report", str(tmp_path / "clean"), "--baseline", "random", "--plot", str(plot)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_more_than_ten_lines_get_distinct_colours() -> None:
    from palsim.report.plot import import_pyplot, line_colours

    plt = import_pyplot()
    few = line_colours(["a", "b"], plt)
    assert few == {"a": "C0", "b": "C1"}
    many = line_colours([f"s{i}" for i in range(13)], plt)
    assert len(set(many.values())) == 13

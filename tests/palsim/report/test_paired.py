"""Paired differences to a baseline, checked against numbers worked out by hand.

Random and PAL over seeds 0-2 at labeled counts 100, 200, 300 (PAL minus random per seed):

    seed   random              pal                 differences
    0      0.50  0.60  0.70    0.52  0.65  0.72    0.02  0.05  0.02
    1      0.40  0.60  0.72    0.45  0.62  0.75    0.05  0.02  0.03
    2      0.45  0.61  0.69    0.45  0.66  0.70    0.00  0.05  0.01

Last cycle: mean 0.02, std 0.01; t(0.975, 2 dof) = 4.303, so the 95% half-width is
4.303 * 0.01 / sqrt(3) = 0.0248. The AUBC over even steps is (a0 + 2 a1 + a2) / 4, so the
AUBC differences are 0.035, 0.03, 0.0275: mean 0.030833, std 0.0038188, half-width 0.0094864.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from typer.testing import CliRunner

from palsim.cli import app
from palsim.report.aggregate import report
from palsim.report.paired import Paired, compare
from tests.palsim.report.fake_runs import write_run

runner = CliRunner()
T_975_2DOF = 4.302653  # scipy.stats.t.ppf(0.975, 2), as printed in any t table (4.303)
RANDOM = [[0.50, 0.60, 0.70], [0.40, 0.60, 0.72], [0.45, 0.61, 0.69]]
PAL = [[0.52, 0.65, 0.72], [0.45, 0.62, 0.75], [0.45, 0.66, 0.70]]


@pytest.fixture
def runs(tmp_path):
    for seed, (random, pal) in enumerate(zip(RANDOM, PAL, strict=True)):
        write_run(tmp_path, f"random-s{seed}", "random", "noisy:0.2", seed, random)
        write_run(tmp_path, f"pal-s{seed}", "pal", "noisy:0.2", seed, pal)
    # A PAL seed that random lacks (not paired) and an entropy run at other epochs (no baseline).
    write_run(tmp_path, "pal-s3", "pal", "noisy:0.2", 3, [0.9, 0.9, 0.9])
    write_run(tmp_path, "entropy-s0", "entropy", "noisy:0.2", 0, [0.5, 0.5, 0.5], epochs=30)
    return tmp_path


def test_paired_interval_of_two_dof_uses_the_t_quantile() -> None:
    paired = Paired.of([0.02, 0.03, 0.01])
    assert paired.mean == pytest.approx(0.02)
    assert paired.half_width == pytest.approx(T_975_2DOF * 0.01 / math.sqrt(3), rel=1e-6)
    assert paired.low == pytest.approx(0.02 - 0.0248414, abs=1e-7)
    single = Paired.of([0.04])
    assert (single.mean, single.half_width, single.low, single.n) == (0.04, None, None, 1)


def test_compare_pairs_runs_by_seed_within_the_same_configuration(runs) -> None:
    groups, _ = report(runs)
    entropy, pal = compare(groups, "random")
    assert entropy.reason == "no single random group with the same configuration: none"
    assert pal.seeds == [0, 1, 2] and pal.group.runs == 4
    assert [c.mean for c in pal.cycles] == pytest.approx([0.07 / 3, 0.04, 0.02])
    first_std = math.sqrt(
        ((0.02 - 0.07 / 3) ** 2 + (0.05 - 0.07 / 3) ** 2 + (0.00 - 0.07 / 3) ** 2) / 2
    )
    assert pal.cycles[0].half_width == pytest.approx(T_975_2DOF * first_std / math.sqrt(3))
    assert pal.cycles[2].half_width == pytest.approx(0.0248414, rel=1e-5)
    assert pal.aubc is not None
    assert pal.aubc.mean == pytest.approx(0.0925 / 3)
    assert pal.aubc.half_width == pytest.approx(T_975_2DOF * 0.0038188 / math.sqrt(3), rel=1e-4)


def test_cli_table_and_markdown_state_what_the_interval_is(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--baseline", "random"])
    assert result.exit_code == 0, result.output
    assert "+0.0200 ± 0.0248" in result.stdout and "+0.0308 ± 0.0095" in result.stdout
    assert "95% confidence interval (t-distribution, n - 1 dof)" in result.stdout
    assert (
        "not compared: fashion-mnist noisy:0.2 entropy [epochs=30]: no single random group "
        "with the same configuration: none\n" in result.stderr
    )
    markdown = runner.invoke(
        app, ["report", str(runs), "--baseline", "random", "--format", "markdown"]
    ).stdout
    lines = markdown.splitlines()
    assert (
        "| fashion-mnist | noisy:0.2 | pal | epochs=15 | 3 | +0.0200 ± 0.0248 | "
        "+0.0308 ± 0.0095 |" in lines
    )
    assert "| fashion-mnist | noisy:0.2 | pal | epochs=15 | 0 | 100 | +0.0233 ± 0.0625 |" in lines
    assert any(
        line.startswith("Paired difference to random") and "95% confidence" in line
        for line in lines
    )


def test_cli_csv_and_json_carry_the_interval_bounds(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--baseline", "random", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    pal_last = next(r for r in rows if r["strategy"] == "pal" and r["cycle"] == "2")
    assert (pal_last["baseline"], pal_last["pairs"]) == ("random", "3")
    assert float(pal_last["accuracy_diff_mean"]) == pytest.approx(0.02)
    assert float(pal_last["accuracy_diff_ci95_low"]) == pytest.approx(0.02 - 0.0248414, abs=1e-6)
    assert float(pal_last["accuracy_diff_ci95_high"]) == pytest.approx(0.0448414, abs=1e-6)
    assert float(pal_last["aubc_diff_mean"]) == pytest.approx(0.0925 / 3)
    random_last = next(r for r in rows if r["strategy"] == "random" and r["cycle"] == "2")
    assert random_last["accuracy_diff_mean"] == "" and random_last["baseline"] == ""
    value = json.loads(
        runner.invoke(app, ["report", str(runs), "--baseline", "random", "--format", "json"]).stdout
    )
    paired = value["paired"]
    assert paired["baseline"] == "random" and "t-distribution" in paired["statistics"]
    pal = next(c for c in paired["comparisons"] if c["strategy"] == "pal")
    assert pal["seeds"] == [0, 1, 2] and pal["cycles"][2]["n"] == 3
    assert pal["aubc"]["ci95_high"] == pytest.approx(0.0925 / 3 + 0.0094864, abs=1e-6)


def test_cli_unknown_baseline_exits_2(runs) -> None:
    result = runner.invoke(app, ["report", str(runs), "--baseline", "rnd"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --baseline 'rnd': no finished run uses it; strategies here: entropy, pal, random\n"
    )


def test_cli_baseline_alone_has_nothing_to_pair(tmp_path) -> None:
    write_run(tmp_path, "random-s0", "random", "perfect", 0, [0.5, 0.6, 0.7])
    result = runner.invoke(app, ["report", str(tmp_path), "--baseline", "random"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "note: every group uses the baseline strategy; nothing to pair\n"
    assert "Paired difference" not in result.stdout


def test_variants_of_the_baseline_strategy_pair_with_its_default_options(runs) -> None:
    # An ablation: PAL without S_S on seeds 0-1, against PAL at its defaults (seeds 0-3).
    for seed, values in enumerate([[0.50, 0.66, 0.70], [0.47, 0.60, 0.78]]):
        options = {"lambda_rot": "0"}
        write_run(runs, f"pal-norot-s{seed}", "pal", "noisy:0.2", seed, values,
                  strategy_options=options)  # fmt: skip
    groups, _ = report(runs)
    (variant,) = [c for c in compare(groups, "pal") if c.group.key[2] == "pal"]
    assert variant.seeds == [0, 1] and variant.reason is None
    # Minus PAL's seeds 0 and 1: (-0.02, +0.01, -0.02) and (+0.02, -0.02, +0.03).
    assert [c.mean for c in variant.cycles] == pytest.approx([0.0, -0.005, 0.005])
    random = next(c for c in compare(groups, "pal") if c.group.key[2] == "random")
    assert random.group.identity.get("strategy_options") == {} and random.seeds == [0, 1, 2]


def test_two_variants_and_no_default_leave_no_single_baseline(tmp_path) -> None:
    for name, width in (("a", "16"), ("b", "32")):
        write_run(tmp_path, f"pal-{name}", "pal", "perfect", 0, [0.5, 0.6, 0.7],
                  strategy_options={"width": width})  # fmt: skip
    write_run(tmp_path, "random-s0", "random", "perfect", 0, [0.5, 0.6, 0.7])
    groups, _ = report(tmp_path)
    (random,) = compare(groups, "pal")
    assert random.reason == (
        "no single pal group with the same configuration: several baseline groups "
        "(other strategy options)"
    )

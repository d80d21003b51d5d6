from __future__ import annotations

import json

import pytest

from palsim.config import (
    RunConfig,
    amount_to_count,
    build_config,
    load_study_file,
    parse_amount,
    parse_class_list,
    parse_key_values,
    resolve_preset,
)


@pytest.mark.parametrize(
    ("text", "expected"), [("0.1", 0.1), ("500", 500), ("1.0", 1.0), ("0", 0), ("1e-1", 0.1)]
)
def test_parse_amount_reads_fractions_and_counts(text: str, expected: float) -> None:
    value = parse_amount(text, "budget")
    assert value == expected
    assert isinstance(value, type(expected))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-0.1", "budget '-0.1' must not be negative"),
        ("-3", "budget '-3' must not be negative"),
        ("1.5", "budget '1.5': a fraction must lie in [0, 1]"),
        ("ten", "budget 'ten' is neither a fraction like 0.1 nor a count like 500"),
    ],
)
def test_parse_amount_rejects_bad_values(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_amount(text, "budget")
    assert str(error.value) == message


def test_amount_to_count_resolves_fractions_against_the_pool() -> None:
    assert amount_to_count("0.1", 50_000, "initial") == 5_000
    assert amount_to_count("0.05", 50_000, "budget") == 2_500
    assert amount_to_count("123", 50_000, "budget") == 123


def test_presets_fill_only_unset_values() -> None:
    quick = resolve_preset(RunConfig(epochs=3), cuda_available=False)
    assert quick.preset == "quick" and quick.epochs == 3 and quick.pool_size == 10_000
    paper = resolve_preset(RunConfig(), cuda_available=True)
    assert (paper.preset, paper.initial, paper.budget, paper.cycles) == ("paper", "0.1", "0.05", 7)
    assert paper.noise_seed == paper.seed == 0
    assert resolve_preset(RunConfig(seed=4, noise_seed=9), False).noise_seed == 9


def test_unknown_preset_and_unknown_keys_are_errors() -> None:
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        resolve_preset(RunConfig(preset="fast"), cuda_available=False)
    with pytest.raises(ValueError, match="unknown configuration key 'epochz'"):
        RunConfig.from_dict({"epochz": 3})


def test_study_file_values_are_overridden_by_options(tmp_path) -> None:
    study = tmp_path / "study.toml"
    study.write_text('strategy = "margin"\noracle = "noisy:0.2"\nbudget = 300\n')
    config = build_config(load_study_file(str(study)), {"oracle": "perfect", "seed": None})
    assert (config.strategy, config.oracle, config.budget) == ("margin", "perfect", "300")


def test_config_json_of_a_run_round_trips(tmp_path) -> None:
    original = RunConfig(strategy="margin", strategy_options={"a": "1"}, initial="0.1")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(original.to_dict()))
    assert build_config(load_study_file(str(path)), {}) == original


def test_unreadable_study_file_is_a_value_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="cannot read it"):
        load_study_file(str(tmp_path / "missing.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("strategy = \n")
    with pytest.raises(ValueError, match="not valid toml"):
        load_study_file(str(bad))


def test_key_values_and_class_lists() -> None:
    assert parse_key_values(["a=1", "b = x"], "opt") == {"a": "1", "b": "x"}
    with pytest.raises(ValueError, match="not of the form key=value"):
        parse_key_values(["a"], "opt")
    assert parse_class_list("5,3,5", 10) == ([3, 5], 0)
    assert parse_class_list("random:2", 10) == ([], 2)
    for bad in ("11", "random:10", "x", "0,1,2,3,4,5,6,7,8,9"):
        with pytest.raises(ValueError):
            parse_class_list(bad, 10)

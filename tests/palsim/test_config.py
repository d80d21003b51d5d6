from __future__ import annotations

import json

import pytest

from palsim.config import RunConfig, build_config, load_study_file, resolve, resolve_preset
from palsim.values import (
    Amount,
    ClassChoice,
    amount_to_count,
    check_run_name,
    parse_amount,
    parse_class_list,
    parse_key_values,
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
        ("inf", "budget 'inf' must be a finite number, a fraction or a count"),
        ("nan", "budget 'nan' must be a finite number, a fraction or a count"),
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


def test_config_json_does_not_send_the_run_to_the_old_folder(tmp_path) -> None:
    earlier = RunConfig(out="/elsewhere", name="old-run", seed=3)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(earlier.to_dict()))
    config = build_config(load_study_file(str(path)), {})
    assert (config.out, config.name, config.seed) == ("runs", None, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('seed = "3"\n', "seed = '3': expected an integer"),
        ("learning_rate = true\n", "learning_rate = True: expected a number or nothing"),
        ("cycles = 2.5\n", "cycles = 2.5: expected an integer or nothing"),
        ('strategy_options = "passes=3"\n', "strategy_options = 'passes=3': expected a table"),
        ("epochz = 3\n", "unknown configuration key 'epochz'"),
    ],
)
def test_study_file_with_a_wrong_type_names_the_file_and_key(tmp_path, text, message) -> None:
    study = tmp_path / "study.toml"
    study.write_text(text)
    with pytest.raises(ValueError) as error:
        load_study_file(str(study))
    assert str(error.value).startswith(f"--config {study}: {message}")


@pytest.mark.parametrize(("text", "kind"), [("[1, 2]", "list"), ('"fast"', "str")])
def test_study_file_must_be_a_table(tmp_path, text, kind) -> None:
    study = tmp_path / "study.json"
    study.write_text(text)
    with pytest.raises(ValueError, match=f"expected a table of settings, not a {kind}"):
        load_study_file(str(study))


def test_numbers_in_a_study_file_become_typed_values(tmp_path) -> None:
    study = tmp_path / "study.toml"
    study.write_text("budget = 0.05\nlearning_rate = 1\n[strategy_options]\npasses = 3\n")
    config = build_config(load_study_file(str(study)), {})
    assert (config.budget, config.learning_rate) == ("0.05", 1.0)
    assert config.strategy_options == {"passes": "3"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "--epochs 0: must be at least 1"),
        ({"batch_size": -4}, "--batch-size -4: must be at least 1"),
        ({"test_size": 0}, "--test-size 0: must be at least 1"),
        ({"learning_rate": float("nan")}, "--lr nan: must be a finite number above 0"),
        ({"learning_rate": float("inf")}, "--lr inf: must be a finite number above 0"),
        ({"seed": -1}, "seed -1: must lie in 0..4294967295"),
        ({"preset": "fast"}, "unknown preset 'fast'; choose one of: auto, quick, paper"),
        ({"device": "tpu"}, "unknown device 'tpu'; choose one of: auto, cpu, cuda"),
        ({"exclude_classes": "random:0"}, "exclude-classes 'random:0': N must be at least 1"),
        ({"name": "../x"}, "--name '../x': a run name is one folder name, without / or \\"),
        ({"oracle": " "}, "--oracle must not be empty"),
    ],
)
def test_values_out_of_range_are_refused(changes, message) -> None:
    with pytest.raises(ValueError) as error:
        build_config({}, changes)
    assert str(error.value) == message


def test_resolve_applies_the_preset_and_parses_once() -> None:
    resolved = resolve(RunConfig(exclude_classes="3,1", budget="0.05"), cuda_available=False)
    assert (resolved.device, resolved.config.preset) == ("cpu", "quick")
    assert resolved.initial == Amount(500) and resolved.budget == Amount(0.05)
    assert resolved.budget.count(10_000) == 500
    assert resolved.exclude == ClassChoice(classes=(1, 3))
    assert resolve(RunConfig(), cuda_available=True).device == "cuda"
    with pytest.raises(ValueError, match="no CUDA device is available here"):
        resolve(RunConfig(device="cuda"), cuda_available=False)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("..", "a run name must be a folder name like my-run"),
        (".", "a run name must be a folder name like my-run"),
        ("", "a run name must be a folder name like my-run"),
        ("/abs/x", "a run name is one folder name, without / or \\"),
        ("a\\b", "a run name is one folder name, without / or \\"),
        ("bell\x07", "a run name must not hold control characters"),
        ("x" * 256, "a run name may be at most 255 bytes long"),
    ],
)
def test_run_names_stay_one_folder(name, message) -> None:
    with pytest.raises(ValueError, match=message.replace("\\", "\\\\")):
        check_run_name(name)
    assert check_run_name("fashion-mnist-pal-noisy_0.2-s0") == "fashion-mnist-pal-noisy_0.2-s0"


def test_unreadable_study_file_is_a_value_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="cannot read it"):
        load_study_file(str(tmp_path / "missing.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("strategy = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
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

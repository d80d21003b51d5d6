"""`palsim run` and `palsim list` through Typer's CliRunner, and the console entry point."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from palsim.cli import app, main
from tests.conftest import requires_fashion_mnist, tiny_study_args

runner = CliRunner()


@requires_fashion_mnist
def test_run_json_prints_only_the_summary_on_stdout(tmp_path) -> None:
    result = runner.invoke(app, ["run", *tiny_study_args(tmp_path, "cli", cycles=2), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished"
    assert [cycle["labeled"] for cycle in summary["cycles"]] == [60, 120]
    assert (tmp_path / "cli" / "summary.json").exists()
    assert "cycle 1: labeled 120, test accuracy" in result.stderr
    # Resuming a finished run says so in one line, exits 0 and changes nothing.
    before = (tmp_path / "cli" / "events.jsonl").read_bytes()
    again = runner.invoke(app, ["run", "--resume", str(tmp_path / "cli"), "--json"])
    assert again.exit_code == 0
    assert again.stderr == f"run {tmp_path / 'cli'} is already finished; nothing to resume\n"
    assert json.loads(again.stdout) == summary
    assert (tmp_path / "cli" / "events.jsonl").read_bytes() == before


def test_debug_shows_the_traceback_of_bad_input_too(tmp_path) -> None:
    from palsim.errors import UsageError

    with pytest.raises(UsageError, match="--epochs 0: must be at least 1"):
        main(["run", "--epochs", "0", "--out", str(tmp_path), "--debug"])
    assert main(["run", "--epochs", "0", "--out", str(tmp_path)]) == 2
    assert not any(tmp_path.iterdir())


@requires_fashion_mnist
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--dataset", "imagenet"],
            "error: unknown dataset 'imagenet'; choose one of: fashion-mnist",
        ),
        (["--strategy", "oracle-peek"], "error: unknown strategy 'oracle-peek'; choose one of: "),
        (["--oracle", "noisy:x"], "error: bad oracle spec 'noisy:x'"),
        (["--oracle", "sometimes"], "error: unknown oracle spec 'sometimes'; valid forms: perfect"),
        (
            ["--budget", "5000"],
            "error: initial set (60) + one query of 5000 = 5060 samples exceeds the pool of 600, "
            "whatever the number of cycles; lower --budget or --initial, or raise --pool-size",
        ),
        (
            ["--budget", "300"],
            "error: initial set (60) + 2 queries of 300 = 660 samples exceeds the pool of 600; "
            "at most 2 cycles fit",
        ),
        (["--initial", "-0.1"], "error: initial '-0.1' must not be negative"),
        (["--min-steps", "-5"], "error: --min-steps -5: must be at least 0"),
        (
            ["--data-dir", "/no/such/folder"],
            "error: --data-dir '/no/such/folder' is not a readable directory",
        ),
        (
            ["--precision", "fp16"],
            "error: unknown precision 'fp16'; choose one of: auto, fp32, bf16",
        ),
        (["-S", "passes"], "error: --strategy-option 'passes' is not of the form key=value"),
        (["-S", "passes=3"], "error: unknown strategy option 'passes'; valid options: none"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message) -> None:
    result = runner.invoke(app, ["run", *tiny_study_args(tmp_path, "bad"), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_existing_run_name_is_refused(tmp_path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "config.json").write_text("{}")
    result = runner.invoke(app, ["run", *tiny_study_args(tmp_path, "taken")])
    if result.exit_code == 2 and "dataset" in result.stderr:
        pytest.skip("Fashion-MNIST files are not installed")
    assert result.exit_code == 2
    assert "already exists; choose another --name or use --resume" in result.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--no-such-option"], "error: No such option: --no-such-option"),
        (["run", "--cycles", "many"], "error: Invalid value for '--cycles'"),
        (
            ["run", "--device", "tpu"],
            "error: Invalid value for '--device': 'tpu' is not one of 'auto', 'cpu', 'cuda'.",
        ),
        (["sweep", "--backend", "slurm"], "error: Invalid value for '--backend': 'slurm' is not"),
        (["frobnicate"], "error: No such command 'frobnicate'"),
    ],
)
def test_parser_errors_are_one_line_with_exit_2(capsys, argv, message) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        (
            "datasets",
            [
                "fashion-mnist",
                "cifar10",
                "svhn",
                "caltech101",
                "imagefolder:PATH",
                "fashion-scenes",
            ],
        ),
        ("strategies", ["random", "entropy", "margin", "least-confidence"]),
        ("oracles", ["perfect", "noisy:P"]),
        ("models", ["small-cnn", "resnet18", "small-fcn", "deeplabv3-mobilenet"]),
    ],
)
def test_list_shows_registered_names(what, expected) -> None:
    result = runner.invoke(app, ["list", what])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert set(expected) <= set(names)


def test_version_and_help() -> None:
    assert runner.invoke(app, ["--version"]).stdout.strip() == "palsim 0.1.0"
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0 and "Example: palsim run" in result.stdout
    assert runner.invoke(app, ["run", "-h"]).stdout == result.stdout


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_run_and_sweep_share_each_study_option_and_its_help(command) -> None:
    from palsim.cli.options import STUDY_OPTIONS

    help_text = " ".join(runner.invoke(app, [command, "--help"]).stdout.split())
    for option in STUDY_OPTIONS:
        assert " ".join(option.help.split()) in help_text, option.key
    assert "--preset <auto|quick|paper>" in help_text
    assert "--device <auto|cpu|cuda>" in help_text


def test_shell_completion_offers_the_choices_of_an_option() -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "_PALSIM_COMPLETE": "complete_bash",
        "COMP_WORDS": "palsim run --device ",
        "COMP_CWORD": "3",
    }
    code = "import sys; from palsim.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.split() == ["auto", "cpu", "cuda"]
    # `--show-completion` names no shell: typer finds it among the process's parents, so the
    # command runs under a bash that waits for it (no exec), whatever started the tests.
    script = '"$0" -c "$1" --show-completion; exit $?'
    shown = subprocess.run(
        ["bash", "-c", script, sys.executable, code], capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _palsim_completion palsim" in shown.stdout


def test_help_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from palsim.cli import main; main(['--help']); "
        "assert 'torch' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)

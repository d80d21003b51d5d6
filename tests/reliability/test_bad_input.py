"""Bad input, table-driven: exit code 2, one line naming the problem, no traceback, nothing written.

Every case here is refused before the dataset is loaded (fast), except the few in
``AFTER_LOADING``, which need the data to know that they are wrong and are still refused
before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from palsim.cli import main
from tests.conftest import requires_fashion_mnist


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], out: Path) -> str:
    """Run the CLI; assert exit 2, one line on stderr, no traceback, an empty ``out``."""
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))
    return captured.err.removeprefix("error: ").rstrip("\n")


RUN_CASES = [
    (["--lr", "nan"], "--lr nan: must be a finite number above 0"),
    (["--lr", "inf"], "--lr inf: must be a finite number above 0"),
    (["--lr", "0"], "--lr 0.0: must be a finite number above 0"),
    (["--initial", "inf"], "initial 'inf' must be a finite number, a fraction or a count"),
    (["--budget", "nan"], "budget 'nan' must be a finite number, a fraction or a count"),
    (["--budget", "1.5"], "budget '1.5': a fraction must lie in [0, 1]"),
    (["--epochs", "0"], "--epochs 0: must be at least 1"),
    (["--epochs", "-3"], "--epochs -3: must be at least 1"),
    (["--batch-size", "0"], "--batch-size 0: must be at least 1"),
    (["--test-size", "0"], "--test-size 0: must be at least 1"),
    (["--cycles", "0"], "--cycles 0: must be at least 1"),
    (["--pool-size", "1"], "--pool-size 1: must be at least 2"),
    (["--seed", "-1"], "seed -1: must lie in 0..4294967295"),
    (["--noise-seed", "4294967296"], "noise-seed 4294967296: must lie in 0..4294967295"),
    (
        ["--strategy", "bald", "-S", "passes=0"],
        "strategy option passes='0': must be a finite number, at least 1",
    ),
    (
        ["--strategy", "coreset", "-S", "chunk=-5"],
        "strategy option chunk='-5': must be a finite number, at least 1",
    ),
    (
        ["--strategy", "pal", "-S", "lambda_div=nan"],
        "strategy option lambda_div='nan': must be a finite number",
    ),
    (
        ["--strategy", "pal", "-S", "learning_rate=inf"],
        "strategy option learning_rate='inf': must be a finite number, at least 0",
    ),
    (
        ["--strategy", "bald", "-S", "passes=many"],
        "strategy option passes='many' is not a valid int",
    ),
    (["-S", "=3"], "--strategy-option '=3' is not of the form key=value"),
    (["--model", "vgg"], "unknown model 'vgg'; choose one of: small-cnn, resnet18"),
    (["--dataset", "imagenet"], "unknown dataset 'imagenet'; choose one of: fashion-mnist"),
    (["--oracle", "nosiy:0.2"], "unknown oracle spec 'nosiy:0.2'; valid forms: perfect"),
    (["--oracle", "noisy:nan"], "bad oracle spec 'noisy:nan': 'nan' is outside [0, 1]"),
    (["--exclude-classes", "random:0"], "exclude-classes 'random:0': N must be at least 1"),
    (["--exclude-classes", "-1"], "exclude-classes '-1': expected class numbers 0, 1, ..."),
    (
        ["--device", "tpu"],
        "Invalid value for '--device': 'tpu' is not one of 'auto', 'cpu', 'cuda'.",
    ),
    (["--preset", "fast"], "Invalid value for '--preset': 'fast' is not one of 'auto', 'quick'"),
    (["--name", "../x"], "--name '../x': a run name is one folder name, without / or \\"),
    (["--name", "/abs/x"], "--name '/abs/x': a run name is one folder name, without / or \\"),
    (["--name", ".."], "--name '..': a run name must be a folder name like my-run"),
    (["--name", "a\x1b[31mb"], "--name 'a\\x1b[31mb': a run name must not hold control characters"),
    (["--name", "n" * 256], "--name: a run name may be at most 255 bytes long"),
]


@pytest.mark.parametrize(("args", "message"), RUN_CASES)
def test_run_refuses_bad_options(capsys, tmp_path, args, message) -> None:
    out = tmp_path / "runs"
    error = refused(capsys, ["run", "--out", str(out), "--device", "cpu", *args], out)
    assert error.startswith(message), error


STUDY_FILES = [
    ("study.toml", 'seed = "3"\n', "seed = '3': expected an integer"),
    ("study.toml", "epochs = 2.5\n", "epochs = 2.5: expected an integer or nothing"),
    ("study.toml", "name = 7\n", "name = 7: expected a string or nothing"),
    ("study.toml", 'name = "../escape"\n', "--name '../escape': a run name is one folder name"),
    ("study.toml", "epochz = 3\n", "unknown configuration key 'epochz'; valid keys: augment"),
    ("study.toml", "strategy = \n", "not valid TOML: Invalid value (at line 1, column 12)"),
    ("study.json", "[1, 2]", "expected a table of settings, not a list"),
    ("study.json", '"fast"', "expected a table of settings, not a str"),
    ("study.json", '{"test_size": 0}', "--test-size 0: must be at least 1"),
    ("study.json", '{"learning_rate": "0.1"}', "learning_rate = '0.1': expected a number"),
]


@pytest.mark.parametrize(("file_name", "text", "message"), STUDY_FILES)
def test_run_refuses_bad_study_files(capsys, tmp_path, file_name, text, message) -> None:
    study = tmp_path / file_name
    study.write_text(text)
    out = tmp_path / "runs"
    error = refused(capsys, ["run", "--config", str(study), "--out", str(out)], out)
    assert message in error, error


def test_run_refuses_an_out_that_is_a_file_or_lies_under_one(capsys, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    error = refused(capsys, ["run", "--out", str(blocker), "--device", "cpu"], tmp_path / "x")
    assert error == f"--out {blocker}: is a file, not a folder"
    under = blocker / "runs"
    error = refused(capsys, ["run", "--out", str(under), "--device", "cpu"], tmp_path / "x")
    assert error == f"--out {under}: lies under the file {blocker}, not a folder"
    assert blocker.read_text() == "not a folder"


def test_run_refuses_an_out_whose_folder_name_is_too_long(capsys, tmp_path) -> None:
    out = tmp_path / ("o" * 256) / "runs"
    error = refused(capsys, ["run", "--out", str(out), "--device", "cpu"], tmp_path)
    assert error == f"--out {out}: a folder name may be at most 255 bytes long"


def test_run_refuses_an_out_it_cannot_write(capsys, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere: use a folder no one may write
        locked = Path("/proc/1")
        if os.access(locked, os.W_OK):
            pytest.skip("no unwritable folder here")
    out = locked / "runs"
    error = refused(capsys, ["run", "--out", str(out), "--device", "cpu"], out)
    assert error == f"--out {out}: cannot write in {locked} (permission denied)"


SWEEP_CASES = [
    (["--oracle", "nosiy:0.2"], "unknown oracle spec 'nosiy:0.2'; valid forms: perfect"),
    (["--strategy", "random,bald", "-S", "passes=0"], "grid point fashion-mnist-random-perfect-s0"),
    (["--seeds", "0-2", "--epochs", "0"], "--epochs 0: must be at least 1"),
    (["--address", "ray://nowhere"], "--address 'ray://nowhere': expected HOST:PORT"),
]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(("args", "message"), SWEEP_CASES)
def test_sweep_refuses_a_bad_grid_before_the_first_run(
    capsys, tmp_path, args, message, dry_run
) -> None:
    out = tmp_path / "runs"
    flags = ["--dry-run"] if dry_run else []
    backend = ["--backend", "ray"] if "--address" in args else []
    argv = ["sweep", "--out", str(out), "--device", "cpu", *backend, *args, *flags]
    error = refused(capsys, argv, out)
    assert message in error, error


def test_resume_refuses_a_folder_whose_name_would_leave_out(capsys, tmp_path) -> None:
    run = tmp_path / "runs" / "copied"
    run.mkdir(parents=True)
    (run / "config.json").write_text('{"name": "../../etc", "out": "/"}')
    before = sorted(run.iterdir())
    code = main(["run", "--resume", str(run)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: --resume {run}: unreadable config.json: --name '../../etc': "
        "a run name is one folder name, without / or \\\n"
    )
    assert sorted(run.iterdir()) == before


AFTER_LOADING = [
    (["--pool-size", "70000"], "--pool-size 70000 is larger than the training split of"),
    (["--exclude-classes", "12"], "exclude-classes '12': classes must lie in 0..9, not all"),
    (
        ["--exclude-classes", "0,1,2,3,4,5,6,7,8", "--initial", "100"],
        "exclude-classes '0,1,2,3,4,5,6,7,8': only ",
    ),
    (["--oracle", "matrix:{tmp}/3x3.csv"], "bad oracle spec 'matrix:"),
]


@requires_fashion_mnist
@pytest.mark.parametrize(("args", "message"), AFTER_LOADING)
def test_run_refuses_what_the_data_shows_wrong(capsys, tmp_path, args, message) -> None:
    out = tmp_path / "runs"
    (tmp_path / "3x3.csv").write_text("1,0,0\n0,1,0\n0,0,1\n")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    base = ["--pool-size", "600", "--initial", "60", "--budget", "60", "--cycles", "2"]
    error = refused(capsys, ["run", "--out", str(out), "--device", "cpu", *base, *args], out)
    assert error.startswith(message) or message in error, error

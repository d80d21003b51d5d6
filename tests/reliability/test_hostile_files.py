"""Hostile dataset files and inputs too large for memory: one line, exit 2, nothing written."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from palsim.cli import app
from palsim.datasets.files import read_cifar_batches, read_idx, read_pickle, read_svhn_mat
from palsim.datasets.image_folders import load_imagefolder


def idx_bytes(count: int) -> bytes:
    header = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in (count, 28, 28))
    return header + bytes(count * 28 * 28)


def test_truncated_idx_files_name_the_file(tmp_path: Path) -> None:
    whole = idx_bytes(3)
    cases = {
        "plain": whole[:-100],
        "header.gz": gzip.compress(whole)[:10],
        "stream.gz": gzip.compress(whole)[:-20],
        "not-gzip.gz": b"not a gzip stream at all",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=rf"^{path}"):
            read_idx(path)


class RunsCode:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("echo this must never run",))


def test_cifar_pickles_truncated_crafted_or_malformed(tmp_path: Path) -> None:
    batch = {"data": np.zeros((4, 3072), np.uint8), "labels": [0, 1, 2, 3]}
    cases = {
        "truncated": pickle.dumps(batch)[:60],
        "empty": b"",
        "runs-code": pickle.dumps(RunsCode()),
        "not-a-dict": pickle.dumps([1, 2]),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=rf"^{tmp_path / name}"):
            read_pickle(tmp_path / name)
    (tmp_path / "short").write_bytes(pickle.dumps({**batch, "labels": [0, 1]}))
    with pytest.raises(ValueError, match="4 images but 2 labels"):
        read_cifar_batches([tmp_path / "short"], "labels")
    (tmp_path / "ragged").write_bytes(pickle.dumps({**batch, "data": np.zeros(100, np.uint8)}))
    with pytest.raises(ValueError, match="malformed CIFAR batch"):
        read_cifar_batches([tmp_path / "ragged"], "labels")


def test_svhn_mat_truncated_or_misshapen(tmp_path: Path) -> None:
    from scipy.io import savemat

    path = tmp_path / "train_32x32.mat"
    savemat(path, {"X": np.zeros((32, 32, 3, 5), np.uint8), "y": np.ones((5, 1))})
    whole = path.read_bytes()
    for data in (whole[: len(whole) // 2], whole[:20], b""):
        path.write_bytes(data)
        with pytest.raises(ValueError, match=rf"^{path}"):
            read_svhn_mat(path)
    savemat(path, {"X": np.zeros((32, 32, 3, 5), np.uint8), "y": np.ones((4, 1))})
    with pytest.raises(ValueError, match=r"X has shape \(32, 32, 3, 5\) for 4 labels"):
        read_svhn_mat(path)


def image_folder(root: Path, big: tuple[int, int]) -> Path:
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for index in range(2):
            Image.new("L", (8, 8)).save(root / name / f"{index}.png")
    Image.new("1", big).save(root / "a" / "big.png")
    return root


@pytest.mark.parametrize("factor", [1.5, 3.0])  # PIL's warning zone, then its error zone
def test_decompression_bombs_are_refused(tmp_path: Path, monkeypatch, factor: float) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    side = int((10_000 * factor) ** 0.5) + 1
    folder = image_folder(tmp_path / "images", (side, side))
    with pytest.raises(ValueError, match=rf"big.png.*{side}x{side}|big.png.*decompression bomb"):
        load_imagefolder(folder)


def test_a_real_bomb_through_the_cli(tmp_path: Path) -> None:
    folder = image_folder(tmp_path / "images", (20_000, 20_000))  # 400 Mpixel, a few kB as PNG
    out = tmp_path / "runs"
    result = CliRunner().invoke(
        app, ["run", "--dataset", f"imagefolder:{folder}", "--out", str(out), "--device", "cpu"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot read image ") and result.stderr.count("\n") == 1
    assert "decompression bomb" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oracles", "show", "noisy:0.1", "--classes", "10000000"], "at most 1000 classes"),
        (["sweep", "--seeds", "0-100000000", "--dry-run"], "more than 10000 seeds"),
        (["sweep", "--seeds", "0-9000,9001-18000", "--dry-run"], "more than 10000 seeds"),
        (
            [
                "sweep",
                "--seeds",
                "0-999",
                "--oracle",
                "noisy:" + ",".join(map(str, range(11))),
                "--dry-run",
            ],
            "the grid holds more than 10000 runs",
        ),
    ],
)
def test_sizes_that_would_exhaust_memory(tmp_path: Path, args: list[str], message: str) -> None:
    if args[0] == "sweep":
        args = [*args, "--out", str(tmp_path / "runs")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert not (tmp_path / "runs").exists()

"""Array-format datasets: IDX, CIFAR pickles, SVHN .mat files, the registry and its errors."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from palsim.datasets import DATASETS, DatasetNotFound, load_dataset
from palsim.datasets.base import DEBIAN_FASHION_MNIST, FASHION_MNIST_CLASSES
from palsim.datasets.files import read_idx, read_pickle


@pytest.fixture(autouse=True)
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home, so that no download cache of this machine is found."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> None:
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)


def write_mnist(folder: Path, train: int = 6, test: int = 4, compress: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    rng = np.random.default_rng(0)
    for stem, count in (("train", train), ("t10k", test)):
        images = rng.integers(0, 256, (count, 28, 28))
        write_idx(folder / f"{stem}-images-idx3-ubyte{suffix}", images, compress)
        write_idx(folder / f"{stem}-labels-idx1-ubyte{suffix}", np.arange(count) % 10, compress)


def test_registry_lists_every_dataset() -> None:
    names = {"fashion-mnist", "mnist", "cifar10", "cifar100", "svhn", "caltech101"}
    assert names <= set(DATASETS.names())
    assert all(description for _, description in DATASETS.describe())


@pytest.mark.skipif(
    not DEBIAN_FASHION_MNIST.is_dir(),
    reason=f"{DEBIAN_FASHION_MNIST} absent (install Debian's dataset-fashion-mnist package)",
)
def test_fashion_mnist_loads_from_debian_files() -> None:
    data = load_dataset("fashion-mnist", download=False)
    assert data.train_images.shape == (60000, 1, 28, 28)
    assert data.test_images.shape == (10000, 1, 28, 28)
    assert data.train_images.dtype == torch.uint8
    assert data.train_labels.dtype == torch.int64
    assert data.train_labels.bincount().tolist() == [6000] * 10
    assert data.class_names == FASHION_MNIST_CLASSES
    assert data.image_shape == (1, 28, 28)


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("layout", ["", "MNIST/raw", "mnist"])
def test_mnist_reads_idx_files_in_each_layout(tmp_path: Path, layout: str, compress: bool) -> None:
    write_mnist(tmp_path / layout, compress=compress)
    data = load_dataset("mnist", tmp_path, download=False)
    assert data.train_images.shape == (6, 1, 28, 28)
    assert data.test_images.shape == (4, 1, 28, 28)
    assert data.test_labels.tolist() == [0, 1, 2, 3]
    assert data.class_names == [str(d) for d in range(10)]


def test_mnist_found_in_download_cache(empty_home: Path) -> None:
    write_mnist(empty_home / ".cache/palsim/data/MNIST/raw")
    assert load_dataset("mnist", download=False).train_images.shape[0] == 6


def test_truncated_idx_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "images"
    write_idx(path, np.zeros((3, 4, 4)))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 0x08, 3, 0, 0]))
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


# --- CIFAR --------------------------------------------------------------------------------


def cifar_rows(count: int, first_label: int) -> tuple[np.ndarray, list[int]]:
    """Rows whose R, G, B planes are constant 3k, 3k+1, 3k+2 for image k (k from first)."""
    values = np.arange(first_label, first_label + count)
    planes = np.stack([3 * values, 3 * values + 1, 3 * values + 2], axis=1) % 256
    return np.repeat(planes, 1024, axis=1).astype(np.uint8), [int(v) for v in values]


class Python2Pickler(pickle._Pickler):
    """Writes strings and bytes as Python 2 ``str`` (BINSTRING), as the CIFAR files hold them."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_python2_string(self, obj: str | bytes) -> None:
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)  # type: ignore[attr-defined]
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)  # type: ignore[attr-defined]
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch[str] = save_python2_string  # type: ignore[assignment]
    dispatch[bytes] = save_python2_string  # type: ignore[assignment]


def dump(path: Path, content: dict[str, object]) -> None:
    """A protocol-2 pickle like the published CIFAR batches (numpy 1.x module names)."""
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(content)
    path.write_bytes(buffer.getvalue().replace(b"numpy._core.", b"numpy.core."))


def write_cifar10(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for batch in range(1, 6):
        data, labels = cifar_rows(2, 2 * (batch - 1))
        dump(folder / f"data_batch_{batch}", {"data": data, "labels": labels})
    data, labels = cifar_rows(3, 0)
    dump(
        folder / "test_batch",
        {"batch_label": "testing batch 1 of 1", "data": data, "labels": labels},
    )
    dump(folder / "batches.meta", {"label_names": [f"class{i}" for i in range(10)]})


@pytest.mark.parametrize("layout", ["cifar-10-batches-py", ""])
def test_cifar10_reads_pickled_batches(tmp_path: Path, layout: str) -> None:
    write_cifar10(tmp_path / layout)
    data = load_dataset("cifar10", tmp_path, download=False)
    assert data.train_images.shape == (10, 3, 32, 32)
    assert data.train_images.dtype == torch.uint8
    assert data.train_labels.tolist() == list(range(10))
    assert data.test_labels.tolist() == [0, 1, 2]
    assert data.class_names == [f"class{i}" for i in range(10)]
    # Row layout is 1024 red, 1024 green, 1024 blue bytes: channel c of image k is 3k + c.
    assert data.train_images[7, :, 5, 9].tolist() == [21, 22, 23]
    assert data.train_images[7].amin().item() == 21


def test_cifar100_uses_fine_labels(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    for split, count in (("train", 5), ("test", 2)):
        data, labels = cifar_rows(count, 40)
        dump(folder / split, {"data": data, "fine_labels": labels, "coarse_labels": [1] * count})
    names = [f"fine{i}" for i in range(100)]
    dump(folder / "meta", {"fine_label_names": names, "coarse_label_names": ["c"] * 20})
    dataset = load_dataset("cifar100", tmp_path, download=False)
    assert dataset.train_labels.tolist() == [40, 41, 42, 43, 44]
    assert dataset.test_images.shape == (2, 3, 32, 32)
    assert dataset.num_classes == 100
    assert dataset.class_names[42] == "fine42"


def test_cifar_reader_refuses_code_in_pickles(tmp_path: Path) -> None:
    path = tmp_path / "batch"
    dump(path, {"data": os.getcwd, "labels": []})  # a reference to a function
    with pytest.raises(ValueError, match=r"not a CIFAR pickle: refusing to load posix\.getcwd"):
        read_pickle(path)


# --- SVHN ---------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["", "svhn"])
def test_svhn_reads_mat_files_and_maps_10_to_0(tmp_path: Path, layout: str) -> None:
    from scipy.io import savemat

    folder = tmp_path / layout
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    arrays = {}
    for split, labels in (("train", [10, 1, 2, 9]), ("test", [3, 10])):
        pixels = rng.integers(0, 256, (32, 32, 3, len(labels)), dtype=np.uint8)
        arrays[split] = pixels
        y = np.asarray(labels, dtype=np.uint8)[:, None]
        savemat(folder / f"{split}_32x32.mat", {"X": pixels, "y": y})
    data = load_dataset("svhn", tmp_path, download=False)
    assert data.train_images.shape == (4, 3, 32, 32)
    assert data.train_labels.tolist() == [0, 1, 2, 9]
    assert data.test_labels.tolist() == [3, 0]
    assert data.test_labels.dtype == torch.int64
    # image n, channel c, row h, column w is X[h, w, c, n]
    assert data.train_images[2, 1, 5, 7].item() == arrays["train"][5, 7, 1, 2]
    assert torch.equal(
        data.test_images[1], torch.from_numpy(arrays["test"][..., 1]).permute(2, 0, 1)
    )


# --- Errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("cifar10", "cifar-10-batches-py/data_batch_1"),
        ("cifar100", "cifar-100-python/train"),
        ("svhn", "train_32x32.mat"),
        ("mnist", "train-images-idx3-ubyte"),
    ],
)
def test_missing_dataset_offline_says_what_is_missing(
    tmp_path: Path, name: str, missing: str
) -> None:
    with pytest.raises(DatasetNotFound) as caught:
        load_dataset(name, tmp_path, download=False)
    message = str(caught.value)
    assert repr(name) in message
    assert missing in message
    assert str(tmp_path) in message
    assert "--data-dir" in message


def test_partial_cifar10_names_the_missing_batch(tmp_path: Path) -> None:
    write_cifar10(tmp_path / "cifar-10-batches-py")
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(DatasetNotFound, match="data_batch_3"):
        load_dataset("cifar10", tmp_path, download=False)


def test_unknown_dataset_lists_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown dataset 'cifar11'.*cifar10.*svhn"):
        load_dataset("cifar11", download=False)


def test_data_dir_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a readable directory"):
        load_dataset("mnist", tmp_path / "absent", download=False)

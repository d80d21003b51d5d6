"""The published datasets: MNIST-family IDX files, CIFAR pickles and SVHN MATLAB files.

Each loader finds its files (see :mod:`palsim.datasets.base`), reads them with palsim's own
readers (:mod:`palsim.datasets.files`) and registers itself in ``DATASETS``.
"""

from __future__ import annotations

from pathlib import Path

from palsim.datasets.base import (
    DATASETS,
    DEBIAN_FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    Dataset,
    DatasetNotFound,
    Loader,
    Source,
    download_with_torchvision,
    fetch,
    from_numpy,
    search_roots,
)
from palsim.datasets.files import read_cifar_batches, read_idx, read_pickle, read_svhn_mat

# --- IDX (MNIST-family) files -------------------------------------------------------------


IDX_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def _find_idx(folders: list[Path], stem: str) -> Path | None:
    for folder in folders:
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                return candidate
    return None


def load_idx_dataset(name: str, folders: list[Path], class_names: list[str]) -> Dataset | None:
    """Load the four MNIST-style IDX files from the folders holding them, else None."""
    paths = [_find_idx(folders, stem) for stem in IDX_STEMS]
    if any(path is None for path in paths):
        return None
    train_x, train_y, test_x, test_y = (read_idx(path) for path in paths if path is not None)
    return from_numpy(
        name, (train_x[:, None], train_y), (test_x[:, None], test_y), list(class_names)
    )


def _mnist_family(name: str, torchvision_name: str, class_names: list[str], url: str) -> Loader:
    def load(data_dir: Path | None, download: bool) -> Dataset:
        roots = search_roots(data_dir)
        folders = [f for r in roots for f in (r, r / torchvision_name / "raw", r / name)]
        if name == "fashion-mnist":
            folders.append(DEBIAN_FASHION_MNIST)
        found = load_idx_dataset(name, folders, class_names)
        if found is not None:
            return found
        missing = next(s for s in IDX_STEMS if _find_idx(folders, s) is None)
        root = download_with_torchvision(
            name, torchvision_name, data_dir, download, missing=f"{missing}[.gz]", url=url
        )
        found = load_idx_dataset(name, [root / torchvision_name / "raw"], class_names)
        if found is None:
            raise DatasetNotFound(f"{name}: download finished but the IDX files are missing")
        return found

    return load


# --- CIFAR python-pickle batches ----------------------------------------------------------


def _cifar(name: str, source: Source, label_key: str, names_key: str) -> Loader:
    *train_files, test_file, meta_file = source.files

    def load(data_dir: Path | None, download: bool) -> Dataset:
        folder = fetch(name, source, data_dir, download)
        train = read_cifar_batches([folder / file for file in train_files], label_key)
        test = read_cifar_batches([folder / test_file], label_key)
        class_names = [str(n) for n in read_pickle(folder / meta_file)[names_key]]
        return from_numpy(name, train, test, class_names)

    return load


CIFAR10_SOURCE = Source(
    folders=("cifar-10-batches-py", ""),
    files=(*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta"),
    torchvision_class="CIFAR10",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
)
CIFAR100_SOURCE = Source(
    folders=("cifar-100-python", ""),
    files=("train", "test", "meta"),
    torchvision_class="CIFAR100",
    url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
)


# --- SVHN MATLAB files --------------------------------------------------------------------


SVHN_SOURCE = Source(
    folders=("", "svhn"),
    files=("train_32x32.mat", "test_32x32.mat"),
    torchvision_class="SVHN",
    url="http://ufldl.stanford.edu/housenumbers/ (train_32x32.mat, test_32x32.mat)",
    splits=({"split": "train"}, {"split": "test"}),
)


def load_svhn(data_dir: Path | None, download: bool) -> Dataset:
    """SVHN cropped digits, train and test as published (the extra split is not used)."""
    folder = fetch("svhn", SVHN_SOURCE, data_dir, download)
    train = read_svhn_mat(folder / "train_32x32.mat")
    test = read_svhn_mat(folder / "test_32x32.mat")
    return from_numpy("svhn", train, test, [str(digit) for digit in range(10)])


# --- The registry -------------------------------------------------------------------------

DATASETS.register("fashion-mnist", "Fashion-MNIST, 28x28 grey, 10 classes (offline via Debian)")(
    _mnist_family(
        "fashion-mnist",
        "FashionMNIST",
        FASHION_MNIST_CLASSES,
        "https://github.com/zalandoresearch/fashion-mnist (or: apt install dataset-fashion-mnist)",
    )
)
DATASETS.register("mnist", "MNIST digits, 28x28 grey, 10 classes")(
    _mnist_family(
        "mnist",
        "MNIST",
        [str(digit) for digit in range(10)],
        "https://ossci-datasets.s3.amazonaws.com/mnist/ (the four *-ubyte.gz files)",
    )
)
DATASETS.register("cifar10", "CIFAR-10, 32x32 RGB, 10 classes")(
    _cifar("cifar10", CIFAR10_SOURCE, "labels", "label_names")
)
DATASETS.register("cifar100", "CIFAR-100, 32x32 RGB, 100 fine classes")(
    _cifar("cifar100", CIFAR100_SOURCE, "fine_labels", "fine_label_names")
)
DATASETS.register("svhn", "SVHN house-number digits, 32x32 RGB, 10 classes")(load_svhn)

"""Datasets behind one registry, loaded once into uint8 tensors.

Every loader returns a :class:`Dataset` with images as uint8 ``(N, C, H, W)`` and labels as
int64, train and test splits as published. A loader looks for its files in ``data_dir`` (in
the folder layouts torchvision downloads into, or directly in it), then in the download cache
``~/.cache/palsim/data``; when they are missing and ``download`` is true it asks torchvision
to download them into ``data_dir`` (or the cache). The files are always read by palsim's own
readers (vectorised numpy), never by torchvision's dataset classes, which verify md5 sums.
When the files can be neither found nor downloaded, :class:`DatasetNotFound` says which file
is missing and how to get it.

Accepted layouts under a data folder ``D``:

- ``fashion-mnist`` / ``mnist``: the four IDX files (``train-images-idx3-ubyte``, ...,
  optionally ``.gz``) in ``D``, ``D/FashionMNIST/raw`` (``D/MNIST/raw``) or ``D/<name>``;
  Fashion-MNIST also in ``/usr/share/datasets/fashion-mnist`` (Debian's
  ``dataset-fashion-mnist`` package).
- ``cifar10``: ``D/cifar-10-batches-py/`` (or ``D``) with ``data_batch_1`` .. ``data_batch_5``,
  ``test_batch``, ``batches.meta``.
- ``cifar100``: ``D/cifar-100-python/`` (or ``D``) with ``train``, ``test``, ``meta``; fine
  labels (100 classes).
- ``svhn``: ``train_32x32.mat`` and ``test_32x32.mat`` in ``D`` or ``D/svhn``.
- ``caltech101``: ``D/caltech101/101_ObjectCategories/<class>/*.jpg`` (or
  ``D/101_ObjectCategories``); see :mod:`palsim.datasets.image_folders`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from palsim.registry import Registry

#: Where Debian's ``dataset-fashion-mnist`` package installs the Fashion-MNIST IDX files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

FASHION_MNIST_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


class DatasetNotFound(Exception):
    """The dataset's files are not on this machine and could not be downloaded."""


#: The task types; a dataset declares its own (masks present: segmentation).
TASKS = ("classification", "segmentation")
#: Mask value of pixels that carry no label: left out of the loss and of every metric.
IGNORE_INDEX = 255


@dataclass(frozen=True)
class Dataset:
    """A labeled image dataset held as uint8 tensors (on the CPU until the loop moves it).

    A segmentation dataset also holds a mask per image (class id per pixel, 255 ignored);
    its ``*_labels`` then hold one class per image (its largest non-background class), which
    pool bookkeeping such as ``--exclude-classes`` reads.
    """

    name: str
    train_images: torch.Tensor  # uint8 (N, C, H, W)
    train_labels: torch.Tensor  # int64 (N,)
    test_images: torch.Tensor  # uint8 (M, C, H, W)
    test_labels: torch.Tensor  # int64 (M,)
    class_names: list[str]
    train_masks: torch.Tensor | None = None  # uint8 (N, H, W) class ids, 255 ignored; None: none
    test_masks: torch.Tensor | None = None  # uint8 (M, H, W), as train_masks
    background: int = 0  # class of unannotated pixels for mask noise; 255: none (Cityscapes)

    @property
    def task(self) -> str:
        """``segmentation`` when the dataset holds masks, else ``classification``."""
        return "classification" if self.train_masks is None else "segmentation"

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        channels, height, width = self.train_images.shape[1:]
        return int(channels), int(height), int(width)


Loader = Callable[[Path | None, bool], Dataset]
DATASETS: Registry[Loader] = Registry("dataset")


def largest_class(masks: np.ndarray, num_classes: int, background: int) -> np.ndarray:
    """Per uint8 mask (N, H, W), the class other than ``background`` with the most pixels.

    Ignored pixels (255) never count. ``background`` is the dataset's (0 on fashion-scenes;
    255 on Cityscapes, where every class, train id 0 = road included, is an object). A mask
    with no counted pixel gets ``background`` when that is a class, else 0.
    """
    counts = np.stack([(masks == c).sum(axis=(1, 2)) for c in range(num_classes)], axis=1)
    fallback = background if 0 <= background < num_classes else 0
    if 0 <= background < num_classes:
        counts[:, background] = 0
    best = counts.argmax(axis=1)
    return np.where(counts.max(axis=1) > 0, best, fallback).astype(np.int64)


def dataset_task(name: str) -> str:
    """The task a registered dataset declares, known before its files are read.

    A loader of a segmentation dataset carries ``task = "segmentation"``; every other loader
    (and every prefix form, whose argument is checked when it loads) is a classification
    dataset. Raises ValueError naming the valid choices for an unknown name.
    """
    if name in DATASETS.names():
        return str(getattr(DATASETS.get(name), "task", "classification"))
    if name in DATASETS:
        return "classification"
    DATASETS.get(name)  # raises, naming the valid choices
    raise AssertionError("unreachable: Registry.get raises for unknown names")


def from_numpy(
    name: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    class_names: list[str],
) -> Dataset:
    """Build a Dataset from (images uint8 (N, C, H, W), labels) numpy pairs."""
    return Dataset(
        name=name,
        train_images=_tensor(train[0], np.uint8),
        train_labels=_tensor(train[1], np.int64),
        test_images=_tensor(test[0], np.uint8),
        test_labels=_tensor(test[1], np.int64),
        class_names=class_names,
    )


def _tensor(array: np.ndarray, dtype: type[np.generic]) -> torch.Tensor:
    """A tensor sharing a C-contiguous, writable copy only when the array is not one already."""
    return torch.from_numpy(np.require(array, dtype=dtype, requirements=("C", "W")))


# --- Finding files, downloading them ------------------------------------------------------


def default_data_dir() -> Path:
    """The download cache, searched after ``data_dir``."""
    return Path.home() / ".cache" / "palsim" / "data"


def search_roots(data_dir: Path | None) -> list[Path]:
    """The data folders a loader searches, in order: ``data_dir``, then the cache."""
    roots = [Path(data_dir)] if data_dir is not None else []
    return [*roots, default_data_dir()]


@dataclass(frozen=True)
class Source:
    """Where a dataset's files sit under a data folder and where they come from."""

    folders: tuple[str, ...]  # sub-folders of a data folder that may hold the files ("" = itself)
    files: tuple[str, ...]  # the files (or folders) the reader needs, relative to that folder
    torchvision_class: str  # the torchvision dataset class that downloads them
    url: str  # where a user gets them by hand
    splits: tuple[Mapping[str, object], ...] = ({},)  # constructor kwargs, one download each

    def locate(self, roots: Sequence[Path]) -> Path | None:
        """The first folder under ``roots`` that holds every file, else None."""
        for root in roots:
            for folder in self.folders:
                candidate = root / folder if folder else root
                if all((candidate / file).exists() for file in self.files):
                    return candidate
        return None

    def missing(self, roots: Sequence[Path]) -> str:
        """Name the first missing file in the preferred layout, for error messages."""
        folder = self.folders[0]
        for file in self.files:
            if not any((root / folder / file).exists() for root in roots):
                return f"{folder}/{file}" if folder else file
        return "/".join(filter(None, (folder, self.files[0])))


def not_found_message(name: str, missing: str, roots: Sequence[Path], url: str) -> str:
    """One clear message: what is missing, where it was looked for, how to get it."""
    where = " or ".join(str(root) for root in roots)
    return (
        f"dataset {name!r} not found: no {missing} under {where}; get it from {url}, "
        f"unpack it into a folder and pass that folder as --data-dir, "
        f"or let palsim download it on a machine that is online"
    )


def download_with_torchvision(
    name: str,
    torchvision_class: str,
    data_dir: Path | None,
    download: bool,
    *,
    missing: str = "",
    url: str = "",
    splits: Sequence[Mapping[str, object]] = ({},),
) -> Path:
    """Let torchvision fetch a dataset into ``data_dir`` (or the cache); return that folder.

    Raises DatasetNotFound naming ``missing`` and ``url`` when ``download`` is false or the
    download fails (offline, for instance).
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    hint = not_found_message(name, missing or "files", search_roots(data_dir), url or "its site")
    if not download:
        raise DatasetNotFound(f"{hint} (downloading is off)")
    import torchvision.datasets

    try:
        root.mkdir(parents=True, exist_ok=True)
        dataset_class = getattr(torchvision.datasets, torchvision_class)
        for split_kwargs in splits:
            dataset_class(str(root), download=True, **split_kwargs)
    except Exception as error:  # network errors come in many types
        raise DatasetNotFound(f"{hint} (download failed: {type(error).__name__})") from None
    return root


def fetch(name: str, source: Source, data_dir: Path | None, download: bool) -> Path:
    """The folder holding ``source``'s files: found locally, else downloaded."""
    roots = search_roots(data_dir)
    folder = source.locate(roots)
    if folder is not None:
        return folder
    root = download_with_torchvision(
        name,
        source.torchvision_class,
        data_dir,
        download,
        missing=source.missing(roots),
        url=source.url,
        splits=source.splits,
    )
    folder = source.locate([root])
    if folder is None:
        raise DatasetNotFound(f"{name}: download finished but {source.missing([root])} is absent")
    return folder

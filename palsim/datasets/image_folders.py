"""Datasets stored as image files, one sub-folder per class: Caltech-101 and ``imagefolder:``.

Images are decoded with PIL (in a few threads; decoding releases the GIL) into one uint8
array. Neither source publishes a train/test split, so palsim makes one: a stratified split
that puts ``TEST_FRACTION`` of each class (rounded, at least one image when the class has
two or more) into the test split, drawn with the fixed seed ``SPLIT_SEED`` from the files
sorted by name. The split therefore depends only on the files, never on the run's seed, and
acts as a published split: every run on the same folder tests on the same images.

Layouts:

- ``caltech101``: ``D/caltech101/101_ObjectCategories/<class>/*.jpg`` (torchvision's
  download layout) or ``D/101_ObjectCategories/<class>/*.jpg``. The ``BACKGROUND_Google``
  folder is not a class and is dropped, leaving 101 classes. Every image is resized to
  ``CALTECH101_SIZE`` x ``CALTECH101_SIZE`` RGB (aspect ratio not kept, so no part of the
  object is cropped away; grey images are repeated over three channels).
- ``imagefolder:PATH``: ``PATH/<class>/<image>`` with the seeded split above, or
  ``PATH/train/<class>/<image>`` and ``PATH/test/<class>/<image>`` when both exist (then that
  split is used as given). Images keep their size when they all share it; otherwise all are
  resized to the most common size if both its sides are at most ``IMAGEFOLDER_MAX_SIDE``,
  else to ``IMAGEFOLDER_FALLBACK_SIZE`` square. One channel when every image is grey, else RGB.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from palsim.datasets.base import DATASETS, Dataset, Loader, Source, fetch, from_numpy

#: Side in pixels that every Caltech-101 image is resized to (square, RGB).
CALTECH101_SIZE = 64
#: Fraction of each class that goes to the test split when a folder has no split of its own.
TEST_FRACTION = 0.2
#: Seed of that split; fixed so that the split is the same for every run.
SPLIT_SEED = 0
#: Largest side of the most common image size that ``imagefolder:`` keeps as it is.
IMAGEFOLDER_MAX_SIDE = 64
#: Square side ``imagefolder:`` resizes to when the most common size is larger than that.
IMAGEFOLDER_FALLBACK_SIZE = 32

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm"}
)
GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})
CALTECH101_BACKGROUND = "BACKGROUND_Google"

CALTECH101_SOURCE = Source(
    folders=("caltech101", ""),
    files=("101_ObjectCategories",),
    torchvision_class="Caltech101",
    url=(
        "https://data.caltech.edu/records/mzrjq-6wc02 "
        "(caltech-101.zip; unpack the 101_ObjectCategories.tar.gz inside it)"
    ),
)


@dataclass(frozen=True)
class ImageFiles:
    """Image paths with their class labels (indices into a list of class names)."""

    paths: list[Path]
    labels: np.ndarray  # int64 (N,)


# --- Listing and decoding ----------------------------------------------------------------


def class_folders(folder: Path, exclude: Sequence[str] = ()) -> list[str]:
    """Names of the class sub-folders of ``folder``, sorted; hidden ones skipped."""
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in exclude
    )


def list_images(folder: Path, class_names: Sequence[str]) -> ImageFiles:
    """Every image file under ``folder/<class>`` for the given classes, sorted by name."""
    paths: list[Path] = []
    labels: list[int] = []
    for label, class_name in enumerate(class_names):
        class_dir = folder / class_name
        if not class_dir.is_dir():
            continue
        files = sorted(
            p
            for p in class_dir.iterdir()
            if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
        )
        paths += files
        labels += [label] * len(files)
    return ImageFiles(paths, np.asarray(labels, dtype=np.int64))


# What PIL raises on a malformed or hostile file, besides OSError: some plugins raise
# SyntaxError or EOFError on broken headers, and it refuses decompression bombs.
IMAGE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


def _open(path: Path) -> Image.Image:
    try:
        image = Image.open(path)
    except (*IMAGE_ERRORS, UnidentifiedImageError, Image.DecompressionBombWarning) as error:
        raise ValueError(f"cannot read image {path}: {error}") from None
    width, height = image.size
    if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
        image.close()
        raise ValueError(
            f"image {path} is {width}x{height} pixels, over the limit of "
            f"{Image.MAX_IMAGE_PIXELS} (a decompression bomb?)"
        )
    return image


def scan_images(paths: Sequence[Path]) -> tuple[Counter[tuple[int, int]], bool]:
    """Count the (width, height) sizes, and tell whether every image is grey (headers only).

    Every image is checked against PIL's pixel limit here, before any is decoded.
    """
    sizes: Counter[tuple[int, int]] = Counter()
    all_grey = True
    with warnings.catch_warnings():  # PIL's bomb warning: raised, then reported by _open
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        for path in paths:
            with _open(path) as image:
                sizes[image.size] += 1
                all_grey = all_grey and image.mode in GREY_MODES
    return sizes, all_grey


def _decode_into(out: np.ndarray, index: int, path: Path, size: tuple[int, int]) -> None:
    mode = "L" if out.shape[3] == 1 else "RGB"
    try:
        with _open(path) as image:
            image.draft(mode, size)  # JPEG: let the decoder shrink by 2, 4 or 8 for free
            if image.mode == "P":
                image = image.convert("RGBA")  # palette transparency, then drop alpha
            picture = image.convert(mode)
            if picture.size != size:
                picture = picture.resize(size, Image.Resampling.BILINEAR)
            out[index] = np.asarray(picture, dtype=np.uint8).reshape(out.shape[1:])
    except IMAGE_ERRORS as error:
        raise ValueError(f"cannot decode image {path}: {error}") from None


def decode_images(paths: Sequence[Path], size: tuple[int, int], grey: bool) -> np.ndarray:
    """Decode and resize images to (width, height) into uint8 (N, C, H, W)."""
    width, height = size
    out = np.empty((len(paths), height, width, 1 if grey else 3), dtype=np.uint8)
    workers = min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(_decode_into, out, i, path, size) for i, path in enumerate(paths)]
        for job in jobs:
            job.result()  # re-raise the first decoding error
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


# --- Splits -------------------------------------------------------------------------------


def stratified_split(
    labels: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices), sorted: ``test_fraction`` of each class goes to test.

    A class of two or more samples gives at least one to each side; a single sample stays
    in train.
    """
    test_parts = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = len(members)
        test_count = min(max(round(test_fraction * count), 1), count - 1) if count > 1 else 0
        test_parts.append(rng.permutation(members)[:test_count])
    test = np.sort(np.concatenate(test_parts)) if test_parts else np.empty(0, dtype=np.int64)
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, test


def split_dataset(
    name: str, images: np.ndarray, labels: np.ndarray, class_names: list[str]
) -> Dataset:
    """Split with the fixed seed and wrap as a Dataset."""
    train, test = stratified_split(labels, TEST_FRACTION, np.random.default_rng(SPLIT_SEED))
    return from_numpy(
        name, (images[train], labels[train]), (images[test], labels[test]), class_names
    )


# --- Caltech-101 --------------------------------------------------------------------------


@DATASETS.register(
    "caltech101", "Caltech-101, resized to 64x64 RGB, 101 classes, seeded 80/20 split"
)
def load_caltech101(data_dir: Path | None, download: bool) -> Dataset:
    """Caltech-101 as 64x64 RGB, 101 classes, with the seeded stratified split."""
    folder = fetch("caltech101", CALTECH101_SOURCE, data_dir, download) / "101_ObjectCategories"
    class_names = class_folders(folder, exclude=(CALTECH101_BACKGROUND,))
    files = list_images(folder, class_names)
    if not files.paths:
        raise ValueError(f"{folder} holds no images")
    images = decode_images(files.paths, (CALTECH101_SIZE, CALTECH101_SIZE), grey=False)
    return split_dataset("caltech101", images, files.labels, class_names)


# --- imagefolder:PATH ---------------------------------------------------------------------


def common_size(sizes: Counter[tuple[int, int]]) -> tuple[int, int]:
    """The most common (width, height), or the fallback square when it is too large."""
    (width, height), _ = sizes.most_common(1)[0]
    if max(width, height) > IMAGEFOLDER_MAX_SIDE:
        return IMAGEFOLDER_FALLBACK_SIZE, IMAGEFOLDER_FALLBACK_SIZE
    return width, height


def _check_folder(path: Path) -> None:
    if not path.is_dir():
        raise ValueError(f"imagefolder:{path}: not a directory")


def load_imagefolder(path: Path, size: tuple[int, int] | None = None) -> Dataset:
    """Load ``PATH/<class>/<image>`` (or ``PATH/train`` and ``PATH/test``) as a Dataset.

    ``size`` (width, height) overrides the automatic common size. Raises ValueError for a
    missing folder, fewer than two classes, an empty class folder or an unreadable image.
    """
    path = Path(path).expanduser()
    _check_folder(path)
    name = f"imagefolder:{path}"
    split_dirs = [path / "train", path / "test"]
    has_split = all(folder.is_dir() for folder in split_dirs)
    folders = split_dirs if has_split else [path]
    class_names = sorted({c for folder in folders for c in class_folders(folder)})
    if len(class_names) < 2:
        raise ValueError(f"{name}: needs one sub-folder per class and at least two classes")
    parts = [list_images(folder, class_names) for folder in folders]
    _check_every_class_has_images(name, folders, class_names, parts)
    all_paths = [p for part in parts for p in part.paths]
    sizes, all_grey = scan_images(all_paths)
    target = size or common_size(sizes)
    arrays = [decode_images(part.paths, target, all_grey) for part in parts]
    if not has_split:
        return split_dataset(name, arrays[0], parts[0].labels, class_names)
    (train_images, test_images), (train_part, test_part) = arrays, parts
    return from_numpy(
        name, (train_images, train_part.labels), (test_images, test_part.labels), class_names
    )


@DATASETS.register_prefix("imagefolder", "PATH", "your own images, one sub-folder per class")
def imagefolder_loader(folder: str) -> Loader:
    """The loader of ``imagefolder:PATH`` (``--data-dir`` and downloads do not apply)."""
    if not folder:
        raise ValueError("imagefolder:PATH needs a folder, e.g. imagefolder:~/my-images")
    return lambda data_dir, download: load_imagefolder(Path(folder))


def _check_every_class_has_images(
    name: str, folders: list[Path], class_names: list[str], parts: list[ImageFiles]
) -> None:
    for folder, part in zip(folders, parts, strict=True):
        present = set(part.labels.tolist())
        for label, class_name in enumerate(class_names):
            if (folder / class_name).is_dir() and label not in present:
                raise ValueError(f"{name}: class folder {folder / class_name} holds no images")

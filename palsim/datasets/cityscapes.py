"""``cityscapes``: the fine annotations of Cityscapes, read from ``--data-dir`` (no download).

Layout (torchvision's ``Cityscapes`` layout, what the two official zips unpack into), under
``D`` or ``D/cityscapes``::

    leftImg8bit/{train,val}/<city>/<stem>_leftImg8bit.png    RGB photographs, 2048x1024
    gtFine/{train,val}/<city>/<stem>_gtFine_labelIds.png     label ids per pixel

The 2,975 ``train`` images form the pool and the 500 ``val`` images the test split (the
``test`` masks are not public). Label ids map to the 19 train ids of
:mod:`palsim.datasets.cityscapes_labels` (255 ignored). For speed every image is shrunk by
``DOWNSCALE`` per side (2048x1024 to 512x256): photographs by the mean of each
``DOWNSCALE`` x ``DOWNSCALE`` block, masks by nearest neighbour (the label of the block's
pixel at offset ``DOWNSCALE // 2`` in both directions, so no label is ever invented).
Files are decoded with PIL in a few threads, sorted by city and name.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from palsim.datasets.base import (
    DATASETS,
    Dataset,
    DatasetNotFound,
    default_data_dir,
    largest_class,
)
from palsim.datasets.cityscapes_labels import IGNORED, TRAIN_CLASSES, train_id_table
from palsim.datasets.image_folders import IMAGE_ERRORS

#: Factor by which each side is shrunk: 2048x1024 becomes 512x256.
DOWNSCALE = 4
#: (split on disk, its role): the public val split is the test split.
SPLITS = ("train", "val")
#: Where the files come from; nothing can download them.
CITYSCAPES_URL = (
    "https://www.cityscapes-dataset.com (registration needed; "
    "leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip)"
)
#: Sub-folders of a data folder that may hold the layout ("" = the folder itself).
FOLDERS = ("", "cityscapes")
IMAGE_SUFFIX, MASK_SUFFIX = "_leftImg8bit.png", "_gtFine_labelIds.png"
#: Decoding threads (PNG decoding releases the GIL).
READ_THREADS = min(8, os.cpu_count() or 1)


def expected_folders() -> list[str]:
    """The four folders the layout needs, relative to the data folder."""
    return [f"{kind}/{split}" for kind in ("leftImg8bit", "gtFine") for split in SPLITS]


def find_root(data_dir: Path | None) -> Path:
    """The folder holding the layout: under ``data_dir``, then the cache; else DatasetNotFound."""
    roots = [Path(data_dir)] if data_dir is not None else []
    roots.append(default_data_dir())
    for root in roots:
        for folder in FOLDERS:
            candidate = root / folder if folder else root
            if all((candidate / needed).is_dir() for needed in expected_folders()):
                return candidate
    where = " or ".join(str(root) for root in roots)
    raise DatasetNotFound(
        f"dataset 'cityscapes' not found under {where}: it needs the folders "
        f"{', '.join(expected_folders())}; get them from {CITYSCAPES_URL}, unpack both into "
        f"one folder and pass it as --data-dir"
    )


def list_pairs(root: Path, split: str) -> list[tuple[Path, Path]]:
    """(photograph, mask) paths of one split, sorted by city and name."""
    pairs = []
    for image in sorted((root / "leftImg8bit" / split).glob(f"*/*{IMAGE_SUFFIX}")):
        stem = image.name.removesuffix(IMAGE_SUFFIX)
        mask = root / "gtFine" / split / image.parent.name / f"{stem}{MASK_SUFFIX}"
        if not mask.is_file():
            raise ValueError(f"cityscapes: {image} has no mask {mask}")
        pairs.append((image, mask))
    if not pairs:
        raise ValueError(f"cityscapes: no *{IMAGE_SUFFIX} files in {root / 'leftImg8bit' / split}")
    return pairs


def read_pair(image_path: Path, mask_path: Path, downscale: int) -> tuple[np.ndarray, np.ndarray]:
    """A photograph (3, h, w) uint8 and its train-id mask (h, w) uint8, shrunk ``downscale``x."""
    try:
        with Image.open(image_path) as image, Image.open(mask_path) as mask:
            if image.size != mask.size:
                raise ValueError(f"is {image.size} but its mask is {mask.size}")
            width, height = (side // downscale * downscale for side in image.size)
            if width == 0 or height == 0:
                raise ValueError(f"is smaller than {downscale}x{downscale} pixels")
            photo = image.convert("RGB").crop((0, 0, width, height)).reduce(downscale)
            label_ids = np.asarray(mask)
    except IMAGE_ERRORS as error:
        raise ValueError(f"cityscapes: cannot read {image_path} or its mask: {error}") from None
    if label_ids.ndim != 2:
        raise ValueError(f"cityscapes: mask {mask_path} is not one channel of label ids")
    offset = downscale // 2
    picked = label_ids[offset:height:downscale, offset:width:downscale].astype(np.int64)
    inside = (picked >= 0) & (picked < 256)
    train_ids = np.where(inside, train_id_table()[np.clip(picked, 0, 255)], IGNORED)
    return np.asarray(photo, dtype=np.uint8).transpose(2, 0, 1), train_ids.astype(np.uint8)


def read_split(root: Path, split: str, downscale: int = DOWNSCALE) -> tuple[np.ndarray, np.ndarray]:
    """Photographs uint8 (N, 3, h, w) and masks uint8 (N, h, w) of one split."""
    pairs = list_pairs(root, split)
    with ThreadPoolExecutor(READ_THREADS) as pool:
        decoded = list(pool.map(lambda pair: read_pair(pair[0], pair[1], downscale), pairs))
    shape = decoded[0][1].shape
    for (image, _), (_, mask) in zip(pairs, decoded, strict=True):
        if mask.shape != shape:
            raise ValueError(f"cityscapes: {image} is not the size of {pairs[0][0]}")
    return np.stack([photo for photo, _ in decoded]), np.stack([mask for _, mask in decoded])


class CityscapesLoader:
    """The registry entry: the pool from ``train``, the test split from ``val``."""

    task = "segmentation"

    def __call__(self, data_dir: Path | None, download: bool) -> Dataset:
        root = find_root(data_dir)
        (train_x, train_m), (test_x, test_m) = (read_split(root, split) for split in SPLITS)
        return Dataset(
            name="cityscapes",
            train_images=torch.from_numpy(train_x),
            train_labels=torch.from_numpy(largest_class(train_m, len(TRAIN_CLASSES), IGNORED)),
            test_images=torch.from_numpy(test_x),
            test_labels=torch.from_numpy(largest_class(test_m, len(TRAIN_CLASSES), IGNORED)),
            class_names=list(TRAIN_CLASSES),
            train_masks=torch.from_numpy(train_m),
            test_masks=torch.from_numpy(test_m),
            background=IGNORED,  # every pixel is some class: missed objects become unlabeled
        )


DATASETS.register(
    "cityscapes",
    f"segmentation: Cityscapes fine masks from --data-dir, 19 classes, {DOWNSCALE}x smaller",
)(CityscapesLoader())

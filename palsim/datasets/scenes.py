"""``fashion-scenes``: an offline segmentation dataset built from real Fashion-MNIST images.

Each 64x64 grey canvas holds 2 to 4 Fashion-MNIST items (28x28 each) that never overlap:
the canvas is cut into a 2x2 grid of 32x32 cells, the items go into distinct random cells at
a random offset of 0..4 pixels inside them. A pixel's class is its item's Fashion-MNIST class
+ 1 where the item has ink (pixel value above :data:`INK_THRESHOLD`), 0 (background)
elsewhere. Train canvases are made from the train split's images, test canvases from the
test split's, each image used at most once. The layout comes from a fixed seed of the dataset
(:data:`SCENES_SEED`), not the run's: every machine and every run sees the same canvases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from palsim.datasets.base import DATASETS, FASHION_MNIST_CLASSES, Dataset, largest_class

CANVAS_SIDE = 64  # pixels per side of a canvas
ITEM_SIDE = 28  # a Fashion-MNIST image
CELL_SIDE = CANVAS_SIDE // 2  # the 2x2 grid keeps items apart; 4 pixels of jitter in a cell
INK_THRESHOLD = 32  # grey value (0..255) above which an item pixel counts as the item
MIN_ITEMS, MAX_ITEMS = 2, 4  # items per canvas, drawn uniformly
TRAIN_CANVASES = 2_000  # the pool: small enough to train on a 2-core CPU
TEST_CANVASES = 500  # the clean test split
SCENES_SEED = 20211122  # the dataset's own seed: same canvases everywhere
BACKGROUND = 0  # class id of pixels no item covers with ink
SCENE_CLASSES = ["background", *FASHION_MNIST_CLASSES]


def compose_scenes(
    images: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` canvases from uint8 ``images`` (N, 28, 28): (canvases (count, 1, 64, 64), masks).

    Masks are uint8 (count, 64, 64): item class + 1 on ink pixels, :data:`BACKGROUND` elsewhere.
    """
    items = rng.integers(MIN_ITEMS, MAX_ITEMS + 1, size=count)
    if int(items.sum()) > len(images):
        raise ValueError(f"{count} canvases need {int(items.sum())} images, have {len(images)}")
    sources = rng.choice(len(images), size=int(items.sum()), replace=False)
    canvases = np.zeros((count, 1, CANVAS_SIDE, CANVAS_SIDE), dtype=np.uint8)
    masks = np.full((count, CANVAS_SIDE, CANVAS_SIDE), BACKGROUND, dtype=np.uint8)
    jitter = CELL_SIDE - ITEM_SIDE
    used = 0
    for canvas in range(count):
        cells = rng.permutation(4)[: items[canvas]]
        offsets = rng.integers(0, jitter + 1, size=(items[canvas], 2))
        for cell, (dy, dx) in zip(cells, offsets, strict=True):
            top, left = (cell // 2) * CELL_SIDE + dy, (cell % 2) * CELL_SIDE + dx
            item = images[sources[used]]
            window = (slice(top, top + ITEM_SIDE), slice(left, left + ITEM_SIDE))
            canvases[canvas, 0][window] = item
            masks[canvas][window] = np.where(
                item > INK_THRESHOLD, labels[sources[used]] + 1, BACKGROUND
            )
            used += 1
    return canvases, masks


class FashionScenesLoader:
    """The registry entry: reads Fashion-MNIST (as ``fashion-mnist`` does), composes canvases."""

    task = "segmentation"

    def __call__(self, data_dir: Path | None, download: bool) -> Dataset:
        source = DATASETS.get("fashion-mnist")(data_dir, download)
        seeds = np.random.SeedSequence(SCENES_SEED).spawn(2)
        splits = []
        for images, labels, count, seed in (
            (source.train_images, source.train_labels, TRAIN_CANVASES, seeds[0]),
            (source.test_images, source.test_labels, TEST_CANVASES, seeds[1]),
        ):
            splits.append(
                compose_scenes(
                    images[:, 0].numpy(), labels.numpy(), count, np.random.default_rng(seed)
                )
            )
        (train_x, train_m), (test_x, test_m) = splits
        classes = len(SCENE_CLASSES)
        return Dataset(
            name="fashion-scenes",
            train_images=torch.from_numpy(train_x),
            train_labels=torch.from_numpy(largest_class(train_m, classes, BACKGROUND)),
            test_images=torch.from_numpy(test_x),
            test_labels=torch.from_numpy(largest_class(test_m, classes, BACKGROUND)),
            class_names=list(SCENE_CLASSES),
            train_masks=torch.from_numpy(train_m),
            test_masks=torch.from_numpy(test_m),
        )


DATASETS.register(
    "fashion-scenes",
    "segmentation: 64x64 canvases of 2-4 Fashion-MNIST items, 11 classes (offline via Debian)",
)(FashionScenesLoader())

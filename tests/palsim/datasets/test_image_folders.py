"""Image-folder datasets: Caltech-101's layout, imagefolder:PATH, the seeded split."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from palsim.datasets import DatasetNotFound, load_dataset
from palsim.datasets.image_folders import (
    CALTECH101_SIZE,
    IMAGEFOLDER_FALLBACK_SIZE,
    load_imagefolder,
    stratified_split,
)


@pytest.fixture(autouse=True)
def empty_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty home outside tmp_path, so that no download cache of this machine is found."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


def save_image(
    path: Path, size: tuple[int, int], colour: int | tuple[int, int, int], mode: str = "RGB"
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)


def make_folder(
    root: Path, classes: dict[str, int], size: tuple[int, int] = (20, 16), mode: str = "RGB"
) -> None:
    """``root/<class>/<k>.png``, each image one flat colour that encodes its class."""
    for label, (name, count) in enumerate(classes.items()):
        colour = 40 * label if mode == "L" else (40 * label, 0, 255)
        for k in range(count):
            save_image(root / name / f"{k:03d}.png", size, colour, mode)


# --- The split ----------------------------------------------------------------------------


def test_stratified_split_takes_a_fraction_of_each_class() -> None:
    labels = np.repeat(np.arange(4), [10, 5, 2, 1])
    train, test = stratified_split(labels, 0.2, np.random.default_rng(0))
    assert np.bincount(labels[test], minlength=4).tolist() == [2, 1, 1, 0]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(labels)))
    assert np.all(np.diff(test) > 0)
    again = stratified_split(labels, 0.2, np.random.default_rng(0))[1]
    other = stratified_split(labels, 0.2, np.random.default_rng(1))[1]
    assert np.array_equal(test, again)
    assert not np.array_equal(test, other)


# --- Caltech-101 --------------------------------------------------------------------------


def write_caltech(root: Path) -> None:
    folder = root / "caltech101" / "101_ObjectCategories"
    sizes = [(300, 200), (120, 180), (64, 64), (250, 251), (90, 60)]
    for label, name in enumerate(["accordion", "airplanes", "Faces", "BACKGROUND_Google"]):
        for k, size in enumerate(sizes):
            save_image(folder / name / f"image_{k:04d}.jpg", size, (60 * label, 128, 200))
    save_image(folder / "Faces" / "image_0009.jpg", (100, 80), 77, mode="L")  # a grey one


def test_caltech101_drops_background_resizes_and_splits(tmp_path: Path) -> None:
    write_caltech(tmp_path)
    data = load_dataset("caltech101", tmp_path, download=False)
    assert data.class_names == ["Faces", "accordion", "airplanes"]
    size = CALTECH101_SIZE
    assert data.train_images.shape == (13, 3, size, size)
    assert data.test_images.shape == (3, 3, size, size)
    assert data.train_images.dtype == torch.uint8
    assert data.test_labels.bincount().tolist() == [1, 1, 1]  # 20% of 6, 5, 5, rounded
    accordion = data.train_images[data.train_labels == 1]
    assert (accordion[:, 1] - 128).abs().max().item() <= 3  # JPEG keeps the flat colour
    again = load_dataset("caltech101", tmp_path, download=False)
    assert torch.equal(data.test_images, again.test_images)


def test_caltech101_missing_offline_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFound, match=r"'caltech101'.*caltech101/101_ObjectCategories"):
        load_dataset("caltech101", tmp_path, download=False)


def test_caltech101_accepts_bare_object_categories_folder(tmp_path: Path) -> None:
    write_caltech(tmp_path)
    (tmp_path / "caltech101" / "101_ObjectCategories").rename(tmp_path / "101_ObjectCategories")
    assert load_dataset("caltech101", tmp_path, download=False).num_classes == 3


# --- imagefolder:PATH ---------------------------------------------------------------------


def test_imagefolder_grey_images_keep_their_size(tmp_path: Path) -> None:
    make_folder(tmp_path, {"cat": 5, "dog": 10}, size=(28, 28), mode="L")
    data = load_dataset(f"imagefolder:{tmp_path}", download=False)
    assert data.name == f"imagefolder:{tmp_path}"
    assert data.class_names == ["cat", "dog"]
    assert data.image_shape == (1, 28, 28)
    assert len(data.train_labels) == 12
    assert data.test_labels.tolist() == [0, 1, 1]
    assert data.test_images[0].unique().tolist() == [0]
    assert data.test_images[-1].unique().tolist() == [40]


def test_imagefolder_rgb_if_any_is_colour_and_most_common_size(tmp_path: Path) -> None:
    make_folder(tmp_path, {"a": 3, "b": 3}, size=(20, 16), mode="L")
    save_image(tmp_path / "b" / "colour.png", (30, 10), (255, 0, 0))
    data = load_imagefolder(tmp_path)
    assert data.image_shape == (3, 16, 20)  # (C, H, W) of the most common width 20, height 16
    images = torch.cat([data.train_images, data.test_images])
    colours = images.flatten(2).float().mean(dim=2).tolist()  # mean (R, G, B) per image
    assert sorted(colours) == [[0, 0, 0]] * 3 + [[40, 40, 40]] * 3 + [[255, 0, 0]]


def test_imagefolder_large_images_fall_back_to_a_fixed_square(tmp_path: Path) -> None:
    make_folder(tmp_path, {"a": 2, "b": 2}, size=(200, 150))
    side = IMAGEFOLDER_FALLBACK_SIZE
    assert load_imagefolder(tmp_path).image_shape == (3, side, side)
    assert load_imagefolder(tmp_path, size=(12, 8)).image_shape == (3, 8, 12)


def test_imagefolder_uses_train_and_test_folders_as_given(tmp_path: Path) -> None:
    make_folder(tmp_path / "train", {"x": 3, "y": 2})
    make_folder(tmp_path / "test", {"y": 1, "z": 1})
    data = load_imagefolder(tmp_path)
    assert data.class_names == ["x", "y", "z"]
    assert data.train_labels.tolist() == [0, 0, 0, 1, 1]
    assert data.test_labels.tolist() == [1, 2]


def no_folder(root: Path) -> None:
    pass


def one_class(root: Path) -> None:
    make_folder(root, {"only": 3})


def empty_class(root: Path) -> None:
    make_folder(root, {"a": 2})
    (root / "b").mkdir()


def corrupt_image(root: Path) -> None:
    make_folder(root, {"a": 2, "b": 2})
    (root / "a" / "bad.png").write_text("not an image")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (no_folder, "not a directory"),
        (one_class, "at least two classes"),
        (empty_class, "b holds no images"),
        (corrupt_image, "cannot read image .*bad.png"),
    ],
)
def test_imagefolder_bad_input_raises_value_error(
    tmp_path: Path, setup: Callable[[Path], None], message: str
) -> None:
    root = tmp_path / "images"
    setup(root)
    with pytest.raises(ValueError, match=message):
        load_dataset(f"imagefolder:{root}", download=False)


def test_imagefolder_without_a_path_is_an_error() -> None:
    with pytest.raises(ValueError, match="imagefolder:PATH needs a folder"):
        load_dataset("imagefolder:", download=False)

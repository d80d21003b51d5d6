"""The Cityscapes reader, on small PNG files generated in Cityscapes' folder layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from palsim.cli import app
from palsim.config import RunConfig
from palsim.datasets import DatasetNotFound, load_dataset
from palsim.datasets.cityscapes import read_split
from palsim.datasets.cityscapes_labels import LABELS, TRAIN_CLASSES, train_id_table
from palsim.runner import run

#: A 4x8 mask of label ids: road, car, unlabeled, caravan, bicycle, sky, person, sidewalk.
LABEL_IDS = np.array(
    [
        [7, 7, 26, 26, 0, 0, 29, 29],
        [7, 7, 26, 26, 0, 0, 29, 29],
        [33] * 8,
        [23, 23, 24, 24, 8, 8, 8, 8],
    ],
    dtype=np.uint8,
)


@pytest.fixture(autouse=True)
def empty_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty home, so that no Cityscapes copy in this machine's cache is found."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


def write_pair(root: Path, split: str, city: str, stem: str, shade: int, scale: int) -> None:
    """One photograph and its mask, both ``scale`` times the 4x8 pattern per side."""
    for kind in ("leftImg8bit", "gtFine"):
        (root / kind / split / city).mkdir(parents=True, exist_ok=True)
    mask = np.kron(LABEL_IDS, np.ones((scale, scale), dtype=np.uint8))
    photo = np.zeros((*mask.shape, 3), dtype=np.uint8)
    photo[..., 0] = shade
    photo[..., 1] = mask  # the green channel repeats the label id, to check the alignment
    photo[: mask.shape[0] // 2, :, 2] = 200
    Image.fromarray(photo).save(root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png")
    Image.fromarray(mask).save(root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png")


def make_layout(root: Path, scale: int = 4) -> None:
    write_pair(root, "train", "zurich", "zurich_000000_000019", 30, scale)
    write_pair(root, "train", "aachen", "aachen_000001_000019", 20, scale)
    write_pair(root, "train", "aachen", "aachen_000000_000019", 10, scale)
    write_pair(root, "val", "lindau", "lindau_000000_000019", 40, scale)


def test_the_train_id_table_is_the_published_one() -> None:
    table = train_id_table()
    assert len(LABELS) == 34 and [row[0] for row in LABELS] == list(range(34))
    pinned = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10}
    pinned |= {24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}
    assert {i: int(table[i]) for i in range(256) if table[i] != 255} == pinned
    assert TRAIN_CLASSES[:3] == ["road", "sidewalk", "building"] and len(TRAIN_CLASSES) == 19
    assert TRAIN_CLASSES[13] == "car" and TRAIN_CLASSES[18] == "bicycle"


def test_read_split_maps_label_ids_and_shrinks_by_the_factor(tmp_path: Path) -> None:
    make_layout(tmp_path, scale=4)
    images, masks = read_split(tmp_path, "train", downscale=2)
    assert images.shape == (3, 3, 8, 16) and images.dtype == np.uint8
    assert masks.shape == (3, 8, 16) and masks.dtype == np.uint8
    # Sorted by city, then name: aachen_000000 (shade 10), aachen_000001 (20), zurich (30).
    assert images[:, 0, 0, 0].tolist() == [10, 20, 30]
    expected = np.kron(train_id_table()[LABEL_IDS], np.ones((2, 2), dtype=np.uint8))
    assert np.array_equal(masks[0], expected)
    assert set(np.unique(masks).tolist()) == {0, 1, 10, 11, 13, 18, 255}
    # The photograph stays aligned with its mask: green repeats the label id.
    assert np.array_equal(images[0, 1], np.kron(LABEL_IDS, np.ones((2, 2), dtype=np.uint8)))


def test_photographs_are_block_means_and_masks_never_invent_a_label(tmp_path: Path) -> None:
    make_layout(tmp_path, scale=1)  # blocks of 2 rows straddle the blue edge only in-between
    images, masks = read_split(tmp_path, "train", downscale=3)
    assert images.shape == (3, 3, 1, 2) and masks.shape == (3, 1, 2)
    # Rows 0-2: blue 200, 200, 0 -> mean 133.3, rounded by PIL's reduce.
    assert images[0, 2].tolist() == [[133, 133]]
    # Nearest neighbour: the block's pixel at offset 1 (row 1; columns 1 and 4).
    assert masks[0].tolist() == [[train_id_table()[7], train_id_table()[0]]]


def test_the_registered_loader_reads_both_splits(tmp_path: Path) -> None:
    make_layout(tmp_path / "cityscapes", scale=4)  # the layout one level down is found too
    data = load_dataset("cityscapes", tmp_path)
    assert data.task == "segmentation" and data.class_names == TRAIN_CLASSES
    assert data.background == 255  # no background class: mask noise leaves pixels unlabeled
    assert data.train_images.shape == (3, 3, 4, 8) and data.test_images.shape == (1, 3, 4, 8)
    assert data.train_masks is not None and data.test_masks is not None
    assert tuple(data.test_masks.shape) == (1, 4, 8)
    # The largest class of every mask: bicycle covers a quarter, more than any other class.
    assert data.train_labels.tolist() == [18, 18, 18]


def test_a_missing_layout_names_the_site_and_the_folders(tmp_path: Path) -> None:
    (tmp_path / "leftImg8bit" / "train").mkdir(parents=True)
    with pytest.raises(DatasetNotFound) as error:
        load_dataset("cityscapes", tmp_path)
    message = str(error.value)
    assert message.startswith(f"dataset 'cityscapes' not found under {tmp_path} or ")
    assert "leftImg8bit/train, leftImg8bit/val, gtFine/train, gtFine/val" in message
    assert "https://www.cityscapes-dataset.com (registration needed" in message


def test_the_cli_says_it_in_one_line_and_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--dataset",
            "cityscapes",
            "--data-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "runs"),
        ],
    )
    assert result.exit_code == 2 and not (tmp_path / "runs").exists()
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: dataset 'cityscapes' not found")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no-mask", r"aachen_000000_000019_leftImg8bit.png has no mask"),
        ("corrupt", "cannot read .*aachen_000000_000019_leftImg8bit.png or its mask"),
        ("size", r"is \(32, 16\) but its mask is \(16, 8\)"),
        ("rgb-mask", "is not one channel of label ids"),
    ],
)
def test_damaged_files_are_named(tmp_path: Path, damage: str, message: str) -> None:
    make_layout(tmp_path, scale=4)
    stem = tmp_path / "gtFine" / "train" / "aachen" / "aachen_000000_000019_gtFine_labelIds.png"
    photo = tmp_path / "leftImg8bit" / "train" / "aachen" / "aachen_000000_000019_leftImg8bit.png"
    if damage == "no-mask":
        stem.unlink()
    elif damage == "corrupt":
        photo.write_bytes(b"\x89PNG not really")
    elif damage == "size":
        Image.new("L", (16, 8)).save(stem)
    else:
        Image.new("RGB", (32, 16)).save(stem)
    with pytest.raises(ValueError, match=message):
        read_split(tmp_path, "train", downscale=2)


def test_a_study_on_cityscapes_leaves_missed_objects_unlabeled(tmp_path: Path) -> None:
    for index in range(10):
        write_pair(tmp_path / "data", "train", "aachen", f"aachen_{index:06d}_000019", 9, 16)
    write_pair(tmp_path / "data", "val", "lindau", "lindau_000000_000019", 9, 16)
    config = RunConfig(
        dataset="cityscapes",
        data_dir=str(tmp_path / "data"),
        out=str(tmp_path / "runs"),
        name="missed",
        oracle="missed:1",
        strategy="random",
        initial="4",
        budget="4",
        cycles=1,
        epochs=1,
        min_steps=2,
        batch_size=4,
        device="cpu",
    )
    record = run(config)["cycles"][0]
    # Every labeled pixel is answered unlabeled (255), none as road (train id 0).
    assert record["pixel_noise_rate"] == 1.0 and record["labeled"] == 4


def test_pal_rotation_on_wide_images_is_refused_once_the_data_is_known(tmp_path: Path) -> None:
    make_layout(tmp_path / "data", scale=4)  # 4x8 images after the loader's downscale
    args = ["run", "--dataset", "cityscapes", "--data-dir", str(tmp_path / "data")]
    result = CliRunner().invoke(
        app, [*args, "--out", str(tmp_path / "runs"), "--strategy", "pal", "-S", "pretext=rotation"]
    )
    assert result.exit_code == 2 and not (tmp_path / "runs").exists()
    assert result.stderr == (
        "error: PAL's rotation pretext turns images by 90 degrees, so they must be square; "
        "these are 4x8 (use -S pretext=contrastive)\n"
    )

"""Datasets behind one registry, loaded once into uint8 tensors.

:mod:`~palsim.datasets.base` holds :class:`Dataset`, the registry and file finding;
:mod:`~palsim.datasets.files` the readers of published formats;
:mod:`~palsim.datasets.published` and :mod:`~palsim.datasets.image_folders` the loaders;
:mod:`~palsim.datasets.scenes` the ``fashion-scenes`` segmentation dataset and
:mod:`~palsim.datasets.cityscapes` the Cityscapes reader.
"""

from __future__ import annotations

from pathlib import Path

from palsim.datasets import published as published
from palsim.datasets import scenes as scenes
from palsim.datasets.base import (
    DATASETS,
    IGNORE_INDEX,
    TASKS,
    Dataset,
    DatasetNotFound,
    dataset_task,
    from_numpy,
)
from palsim.datasets.image_folders import load_imagefolder

# isort: split
# Registered last, after the published datasets, fashion-scenes and caltech101 (the listing order).
from palsim.datasets import cityscapes as cityscapes

# Importing the loaders registers them, the published datasets first (the listing order).
__all__ = [
    "DATASETS",
    "IGNORE_INDEX",
    "TASKS",
    "Dataset",
    "DatasetNotFound",
    "dataset_task",
    "from_numpy",
    "load_dataset",
    "load_imagefolder",
]


def load_dataset(name: str, data_dir: Path | None = None, download: bool = True) -> Dataset:
    """Load a registered dataset, by name or prefix form (``imagefolder:PATH``).

    Raises ValueError for an unknown name or unreadable directory, DatasetNotFound when the
    files are missing and cannot be downloaded.
    """
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise ValueError(f"--data-dir {str(data_dir)!r} is not a readable directory")
    return DATASETS.get(name)(data_dir, download)

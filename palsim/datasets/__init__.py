"""Datasets behind one registry, loaded once into uint8 tensors.

:mod:`~palsim.datasets.base` holds :class:`Dataset`, the registry and file finding;
:mod:`~palsim.datasets.files` the readers of published formats;
:mod:`~palsim.datasets.published` and :mod:`~palsim.datasets.image_folders` the loaders.
"""

from __future__ import annotations

from pathlib import Path

from palsim.datasets import published as published
from palsim.datasets.base import DATASETS, Dataset, DatasetNotFound, from_numpy
from palsim.datasets.image_folders import load_imagefolder

__all__ = ["DATASETS", "Dataset", "DatasetNotFound", "from_numpy", "load_dataset"]


def load_dataset(name: str, data_dir: Path | None = None, download: bool = True) -> Dataset:
    """Load a registered dataset or ``imagefolder:PATH``.

    Raises ValueError for an unknown name or unreadable directory, DatasetNotFound when the
    files are missing and cannot be downloaded.
    """
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise ValueError(f"--data-dir {str(data_dir)!r} is not a readable directory")
    if name.startswith("imagefolder:"):
        folder = name.partition(":")[2]
        if not folder:
            raise ValueError("imagefolder:PATH needs a folder, e.g. imagefolder:~/my-images")
        return load_imagefolder(Path(folder))
    return DATASETS.get(name)(data_dir, download)



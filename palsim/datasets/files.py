"""Readers of the file formats datasets are published in: IDX, CIFAR pickles, SVHN .mat.

Vectorised numpy, no torch; each reader raises ValueError naming a malformed file.
"""

from __future__ import annotations

import codecs
import gzip
import importlib
import pickle
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: Largest IDX file read (after gunzip); MNIST's largest is 47 MB. A gzip bomb stops here.
MAX_IDX_BYTES = 2**30


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read(MAX_IDX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:  # a truncated or corrupt gzip stream
        raise ValueError(f"{path} is truncated or corrupt: {error}") from None
    if len(data) > MAX_IDX_BYTES:
        raise ValueError(f"{path} is larger than {MAX_IDX_BYTES} bytes; not an IDX dataset file")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{path} is truncated: its header is incomplete")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=header_size)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values")
    return array.reshape(shape)


_NUMPY_PICKLE_NAMES = {"_reconstruct", "_frombuffer", "scalar"}
_NUMPY_PICKLE_MODULES = {"multiarray", "numeric"}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings and numpy arrays only: a data file runs no code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("numpy", "ndarray"):
            return np.ndarray
        if (module, name) == ("numpy", "dtype"):
            return np.dtype
        if (module, name) == ("_codecs", "encode"):
            return codecs.encode
        package, _, submodule = module.rpartition(".")
        if (
            package in ("numpy.core", "numpy._core")
            and submodule in _NUMPY_PICKLE_MODULES
            and name in _NUMPY_PICKLE_NAMES
        ):
            return getattr(importlib.import_module(f"numpy._core.{submodule}"), name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")


# What unpickling a truncated or crafted file raises (the refusal above is UnpicklingError).
PICKLE_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    KeyError,
    OSError,
)


def read_pickle(path: Path) -> dict[str, Any]:
    """Read one CIFAR batch or meta file (a pickled dict, Python 2 strings as latin-1)."""
    try:
        with open(path, "rb") as handle:
            content = _ArrayUnpickler(handle, encoding="latin1").load()
    except PICKLE_ERRORS as error:
        raise ValueError(f"{path} is truncated or not a CIFAR pickle: {error}") from None
    if not isinstance(content, dict):
        raise ValueError(f"{path} does not hold a pickled dict")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in content.items()}


def read_cifar_batches(paths: Sequence[Path], label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate CIFAR batches: rows of 3072 bytes (1024 R, G, B each) -> (N, 3, 32, 32)."""
    images, labels = [], []
    for path in paths:
        batch = read_pickle(path)
        if "data" not in batch or label_key not in batch:
            raise ValueError(f"{path} lacks 'data' or {label_key!r}")
        try:
            data = np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            targets = np.asarray(batch[label_key], dtype=np.int64).reshape(-1)
        except (ValueError, TypeError, OverflowError) as error:
            raise ValueError(f"{path}: malformed CIFAR batch: {error}") from None
        if len(data) != len(targets):
            raise ValueError(f"{path}: {len(data)} images but {len(targets)} labels")
        images.append(data)
        labels.append(targets)
    return np.concatenate(images), np.concatenate(labels)


def read_svhn_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read an SVHN ``*_32x32.mat``: X is (32, 32, 3, N), y is (N, 1) with 10 meaning 0."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        content = loadmat(str(path), variable_names=("X", "y"))
    except (
        MatReadError,
        OSError,
        ValueError,
        EOFError,
        TypeError,
        IndexError,
        KeyError,
        NotImplementedError,
    ) as error:
        raise ValueError(f"{path} is truncated or not an SVHN .mat file: {error}") from None
    if "X" not in content or "y" not in content:
        raise ValueError(f"{path} lacks the 'X' or 'y' array of an SVHN file")
    shape, count = content["X"].shape, content["y"].size
    if len(shape) != 4 or shape[:3] != (32, 32, 3) or shape[3] != count:
        raise ValueError(f"{path}: X has shape {shape} for {count} labels, not (32, 32, 3, N)")
    images = np.transpose(content["X"], (3, 2, 0, 1))  # (H, W, C, N) -> (N, C, H, W)
    labels = content["y"].astype(np.int64).reshape(-1)
    labels[labels == 10] = 0
    return images, labels

"""The reference classifier of ``confusion:P``: out-of-fold class probabilities for every
training image, trained once per (dataset, noise seed, model, size) and cached on disk.

The training split is cut into two seeded halves; a model trained on (up to ``train`` images
of) one half scores the other half, so no image is scored by a model that saw it. The cache
lives in ``$PALSIM_CACHE/reference`` (default ``~/.cache/palsim/reference``); a cached file
is checked against the dataset and ignored when it does not fit.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from palsim.datasets import Dataset
from palsim.models import build_model, channel_stats
from palsim.seeds import derive_seed, numpy_rng, torch_generator
from palsim.strategies.base import TrainSettings
from palsim.train import (
    accuracy,
    precision,
    predict_probabilities,
    prepare,
    seeded,
    train_classifier,
)

#: The default reference model: logistic regression on the pixels, fast on a CPU.
DEFAULT_MODEL = "linear"
#: Training settings per model (epochs, batch, learning rate); others use the CNN row.
SETTINGS = {"linear": (3, 128, 0.01), "cnn": (5, 128, 0.05)}
#: Images scored per batch.
EVAL_BATCH = 2048


@dataclass(frozen=True)
class Reference:
    """Out-of-fold probabilities for every training image and the models' test accuracy."""

    probabilities: np.ndarray  # float32 (N, K), row i from the model that did not train on i
    test_accuracy: float  # mean of the two fold models' accuracy on the clean test split
    cache_file: Path  # where it is stored

    def describe(self, model: str) -> str:
        return (
            f"reference classifier {model}: test accuracy {self.test_accuracy:.3f} "
            f"(cached in {self.cache_file})"
        )


def cache_folder() -> Path:
    return Path(os.environ.get("PALSIM_CACHE", Path.home() / ".cache" / "palsim")) / "reference"


def cache_path(dataset: Dataset, noise_seed: int, model: str, train: int | None) -> Path:
    """One file per (dataset and its labels, noise seed, model, training size)."""
    labels_crc = zlib.crc32(dataset.train_labels.numpy().astype(np.int64).tobytes())
    name = f"{dataset.name}-{labels_crc:08x}-seed{noise_seed}-{model}-train{train or 'all'}"
    return cache_folder() / (re.sub(r"[^A-Za-z0-9._+-]+", "_", name) + ".npz")


def reference_probabilities(
    dataset: Dataset,
    noise_seed: int,
    model: str = DEFAULT_MODEL,
    train: int | None = None,
    device: torch.device | None = None,
) -> Reference:
    """The cached reference for these settings, trained now when there is none."""
    path = cache_path(dataset, noise_seed, model, train)
    cached = _read(path, len(dataset.train_labels), dataset.num_classes)
    if cached is not None:
        return cached
    # In fp32 on every device and CPU: the reference is part of the oracle, and its cache is
    # shared by runs of any --precision, so it must not depend on one.
    with precision("fp32"):
        probabilities, test_accuracy = _train_folds(
            dataset, noise_seed, model, train, device or torch.device("cpu")
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    np.savez(temporary, probabilities=probabilities, test_accuracy=np.array(test_accuracy))
    os.replace(temporary, path)
    return Reference(probabilities, test_accuracy, path)


def _read(path: Path, count: int, num_classes: int) -> Reference | None:
    try:
        with np.load(path, allow_pickle=False) as archive:
            probabilities = np.asarray(archive["probabilities"], dtype=np.float32)
            test_accuracy = float(archive["test_accuracy"])
    except (OSError, KeyError, ValueError, TypeError):
        return None
    if probabilities.shape != (count, num_classes) or not np.all(np.isfinite(probabilities)):
        return None
    return Reference(probabilities, test_accuracy, path)


def _train_folds(
    dataset: Dataset, noise_seed: int, model: str, train: int | None, device: torch.device
) -> tuple[np.ndarray, float]:
    # 1. Two seeded halves of the training split.
    count = len(dataset.train_labels)
    order = numpy_rng(noise_seed, 0, "reference-split").permutation(count)
    halves = [np.sort(order[: count // 2]), np.sort(order[count // 2 :])]
    epochs, batch, learning_rate = SETTINGS.get(model, SETTINGS["cnn"])
    settings = TrainSettings(epochs, batch, learning_rate, EVAL_BATCH, augment=False)
    mean, std = channel_stats(dataset.train_images)
    images, labels = dataset.train_images.to(device), dataset.train_labels.to(device)
    test_images, test_labels = dataset.test_images.to(device), dataset.test_labels.to(device)
    probabilities = np.zeros((count, dataset.num_classes), dtype=np.float32)
    accuracies = []
    # 2. Train on (up to ``train`` images of) one half, score the other half.
    for fold, (fit, scored) in enumerate([(halves[0], halves[1]), (halves[1], halves[0])]):
        fit = fit[:train] if train else fit
        fit_index = torch.from_numpy(fit).to(device)
        with seeded(derive_seed(noise_seed, fold, "reference-model")):
            network = prepare(
                build_model(model, images.shape[1], dataset.num_classes, mean, std), device
            )
            train_classifier(
                network,
                images[fit_index],
                labels[fit_index],
                settings,
                torch_generator(noise_seed, fold, "reference-batches"),
            )
        scored_images = images[torch.from_numpy(scored).to(device)]
        probabilities[scored] = predict_probabilities(network, scored_images, EVAL_BATCH).cpu()
        accuracies.append(accuracy(network, test_images, test_labels, EVAL_BATCH))
    return probabilities, float(np.mean(accuracies))

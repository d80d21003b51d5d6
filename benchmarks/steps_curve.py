"""Accuracy against optimizer steps at a few labeled-set sizes: the curve behind the presets.

Trains each network from scratch with palsim's own training code for each step budget (the
learning-rate schedule spans the whole budget, so every point is its own run), on a seeded
random labeled subset of Fashion-MNIST, clean or with uniform label noise from the oracle
package, and writes one CSV row per point and a figure.

- ``--network task``: the quick preset's task model (small CNN); y = clean test accuracy.
- ``--network scorer``: PAL's scorer (small-CNN backbone, rotation + class heads); y = its
  rotation accuracy on a fixed sample of 2,000 images outside the labeled set (all four
  rotations) and its class-head accuracy on the test subset.
- ``--network segmentation``: the quick preset's segmentation model (small FCN) on
  fashion-scenes, trained with palsim's segmentation code; ``--noise P`` is the mask oracle
  ``segment-flip:P``; y = test mIoU (and pixel accuracy) on the test canvases.

    python benchmarks/steps_curve.py --network task --out docs/training/task
    python benchmarks/steps_curve.py --network scorer --noise 0.2 --out docs/training/scorer
    python benchmarks/steps_curve.py --network segmentation --sizes 60,240 \
        --steps 75,150,300,600,1200 --out docs/training/segmentation
"""

from __future__ import annotations

import argparse
import csv
import functools
import time
from pathlib import Path

import numpy as np
import torch

import oracles
from palsim.datasets import Dataset, load_dataset
from palsim.models import build_model, channel_stats
from palsim.seeds import numpy_rng, torch_generator
from palsim.segmentation.answers import ask_masks
from palsim.segmentation.metrics import segmentation_metrics
from palsim.segmentation.models import build_segmenter
from palsim.segmentation.train import evaluate_confusion, train_segmenter
from palsim.strategies.base import TrainSettings
from palsim.strategies.pal_scorer import (
    ScorerTraining,
    build_scorer,
    rotate_all,
    rotation_targets,
    to_device,
    train_scorer,
)
from palsim.train import accuracy, apply_batched, seeded, train_classifier


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", choices=("task", "scorer", "segmentation"), default="task")
    parser.add_argument("--sizes", default="200,1000,3000", help="labeled-set sizes")
    parser.add_argument(
        "--noise", default="0,0.2", help="noise rates: noisy:P labels, segment-flip:P masks"
    )
    parser.add_argument("--steps", default="100,200,400,800,1600", help="step budgets")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-size", type=int, default=2000, help="test images evaluated")
    parser.add_argument(
        "--batch-size", type=int, default=0, help="0: the quick preset's (64; segmentation 16)"
    )
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--width", type=int, default=0, help="scorer width (0: the backbone's)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per process")
    parser.add_argument("--processes", type=int, default=1, help="points measured at a time")
    parser.add_argument("--data-dir", default=None, help="folder with the dataset files")
    parser.add_argument("--out", default="docs/training/task", help="writes OUT.csv and OUT.png")
    return parser.parse_args()


def noisy_labels(true: np.ndarray, rate: float, seed: int) -> torch.Tensor:
    """The oracle package's ``noisy:rate`` answers for ``true`` (wrong label uniform over K-1)."""
    oracle = oracles.parse(f"noisy:{rate}", 10)
    reply = oracle.annotate(np.arange(len(true)), true, numpy_rng(seed, 0, "oracle"))
    return torch.from_numpy(np.asarray(reply.labels, dtype=np.int64))


def rotation_accuracy(scorer: torch.nn.Module, images: torch.Tensor) -> float:
    """Share of (image, rotation) pairs whose rotation the scorer's rotation head names."""

    def predict(batch: torch.Tensor) -> torch.Tensor:
        logits = scorer.rotation_head(scorer(rotate_all(batch)))  # type: ignore[operator]
        hits = logits.argmax(dim=1) == rotation_targets(len(batch), batch.device)
        return hits.view(4, len(batch)).float().mean(dim=0)

    return float(apply_batched(predict, images, 256).mean())


def measure(
    args: argparse.Namespace,
    images: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    stats: tuple[list[float], list[float]],
    test: tuple[torch.Tensor, torch.Tensor],
    probe: torch.Tensor,
) -> dict[str, float]:
    """Train one network for ``steps`` steps; its accuracies."""
    generator = torch_generator(args.seed, steps, "augment")
    with seeded(args.seed):
        if args.network == "task":
            model = build_model("small-cnn", 1, 10, *stats)
            settings = TrainSettings(0, args.batch_size, args.learning_rate, 1024, True, steps)
            train_classifier(model, images, labels, settings, generator)
            return {"test_accuracy": accuracy(model, *test, 1024)}
        scorer = to_device(
            build_scorer("small-cnn", 1, 10, *stats, args.width), torch.device("cpu")
        )
        training = ScorerTraining(0, steps, args.batch_size, args.learning_rate, 0, 0, 0.1, True)
        positions = torch.arange(len(images))
        train_scorer(scorer, images, positions, labels, training, generator)  # type: ignore[arg-type]
        return {
            "rotation_accuracy": rotation_accuracy(scorer, probe),
            "test_accuracy": accuracy(torch.nn.Sequential(scorer, scorer.class_head), *test, 1024),
        }


def measure_point(
    args: argparse.Namespace, size: int, noise: float, steps: int
) -> dict[str, float]:
    """One point of the curve, from the dataset up (so that points can run in processes)."""
    torch.set_num_threads(args.threads)
    dataset = load_dataset("fashion-mnist", Path(args.data_dir) if args.data_dir else None)
    stats = channel_stats(dataset.train_images)
    rng = numpy_rng(args.seed, 0, "curve")
    order = rng.permutation(len(dataset.train_labels))
    keep = np.sort(rng.choice(len(dataset.test_labels), args.test_size, replace=False))
    test = dataset.test_images[keep], dataset.test_labels[keep]
    probe = dataset.train_images[order[-2000:]]  # never in a labeled set below
    chosen = order[:size]
    images, true = dataset.train_images[chosen], dataset.train_labels.numpy()[chosen]
    labels = noisy_labels(true, noise, args.seed) if noise else torch.from_numpy(true)
    started = time.perf_counter()
    row: dict[str, float] = {"labeled": size, "noise": noise, "steps": steps}
    row.update(measure(args, images, labels, steps, stats, test, probe))
    row["seconds"] = round(time.perf_counter() - started, 1)
    print(row, flush=True)
    return row


def noisy_masks(true: torch.Tensor, rate: float, seed: int, classes: int) -> torch.Tensor:
    """The oracle package's ``segment-flip:rate`` answers for the uint8 masks ``true``."""
    oracle = oracles.parse_masks(f"segment-flip:{rate}", classes)
    reply = ask_masks(oracle, true.numpy(), classes, numpy_rng(seed, 0, "oracle"))
    return torch.from_numpy(reply.masks)


@functools.cache
def scenes(data_dir: str | None) -> Dataset:
    """fashion-scenes, composed once per process (about 10 s), not once per point."""
    return load_dataset("fashion-scenes", Path(data_dir) if data_dir else None)


def measure_segmentation_point(
    args: argparse.Namespace, size: int, noise: float, steps: int
) -> dict[str, float]:
    """One point of the segmentation curve: the small FCN on ``size`` seeded fashion-scenes
    canvases, masks clean or ``segment-flip:noise``, scored on every test canvas."""
    torch.set_num_threads(args.threads)
    dataset = scenes(args.data_dir)
    assert dataset.train_masks is not None and dataset.test_masks is not None
    stats = channel_stats(dataset.train_images)
    order = numpy_rng(args.seed, 0, "curve").permutation(len(dataset.train_images))
    chosen = np.sort(order[:size])  # the first ``size`` of one seeded order: sets are nested
    images, true = dataset.train_images[chosen], dataset.train_masks[chosen]
    classes = dataset.num_classes
    masks = noisy_masks(true, noise, args.seed, classes) if noise else true
    started = time.perf_counter()
    with seeded(args.seed):
        model = build_segmenter("small-fcn", 1, classes, *stats)
    settings = TrainSettings(0, args.batch_size, args.learning_rate, 128, True, steps)
    train_segmenter(model, images, masks, settings, torch_generator(args.seed, steps, "augment"))
    confusion = evaluate_confusion(model, dataset.test_images, dataset.test_masks, classes, 128)
    metrics = segmentation_metrics(confusion)
    row: dict[str, float] = {"labeled": size, "noise": noise, "steps": steps}
    row["test_miou"] = float(metrics["test_miou"])  # type: ignore[arg-type]
    row["test_pixel_accuracy"] = float(metrics["test_pixel_accuracy"])  # type: ignore[arg-type]
    row["seconds"] = round(time.perf_counter() - started, 1)
    print(row, flush=True)
    return row


def plot(
    rows: list[dict[str, float]], metric: str, path: Path, title: str, batch_size: int
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    for size in sorted({row["labeled"] for row in rows}):
        for noise, style in zip(
            sorted({row["noise"] for row in rows}), ("-", "--", ":"), strict=False
        ):
            points = [row for row in rows if row["labeled"] == size and row["noise"] == noise]
            axis.plot(
                [p["steps"] for p in points],
                [p[metric] for p in points],
                style,
                marker="o",
                label=f"{int(size)} labels, noise {noise:g}",
            )
    axis.set_xscale("log", base=2)
    axis.set_xlabel(f"optimizer steps (batch {batch_size})")
    axis.set_ylabel(metric.replace("_", " "))
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    args = parse_arguments()
    segmentation = args.network == "segmentation"
    args.batch_size = args.batch_size or (16 if segmentation else 64)
    measure_one = measure_segmentation_point if segmentation else measure_point
    points = [
        (int(size), float(noise), int(steps))
        for size in args.sizes.split(",")
        for noise in args.noise.split(",")
        for steps in args.steps.split(",")
    ]
    if args.processes > 1:
        from multiprocessing import get_context

        with get_context("spawn").Pool(args.processes) as pool:
            rows = pool.starmap(measure_one, [(args, *point) for point in points])
    else:
        rows = [measure_one(args, *point) for point in points]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    metric = {"task": "test_accuracy", "scorer": "rotation_accuracy"}.get(args.network, "test_miou")
    title = f"{args.network}: {metric.replace('_', ' ')}"
    plot(rows, metric, out.with_suffix(".png"), title, args.batch_size)


if __name__ == "__main__":
    main()

"""Time one active-learning cycle phase by phase: train, evaluate, score, select.

Prints images per second for each phase and a JSON line with every number. Real data:
Fashion-MNIST (offline from Debian's files); CIFAR-10 scale: synthetic uint8 tensors of
CIFAR's shape (50,000 x 3 x 32 x 32), since CIFAR itself cannot be fetched everywhere.

    python benchmarks/cycle_phases.py                                  # Fashion-MNIST, CPU
    python benchmarks/cycle_phases.py --data synthetic-cifar --device cuda --model resnet18
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import TypeVar

import torch

from palsim.datasets import load_dataset
from palsim.models import build_model, channel_stats
from palsim.seeds import torch_generator
from palsim.strategies import load_all
from palsim.strategies.base import QueryContext, TrainSettings
from palsim.train import accuracy, predict_probabilities, prepare, seeded, train_classifier

T = TypeVar("T")


def synthetic_cifar(
    pool: int, test: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (pool + test, 3, 32, 32), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, 10, (pool + test,), generator=generator)
    return images[:pool], labels[:pool], images[pool:], labels[pool:]


def load(args: argparse.Namespace) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    if args.data == "synthetic-cifar":
        return synthetic_cifar(args.pool, 10_000)
    dataset = load_dataset("fashion-mnist")
    return (
        dataset.train_images[: args.pool],
        dataset.train_labels[: args.pool],
        dataset.test_images,
        dataset.test_labels,
    )


def timed(device: torch.device, function: Callable[[], T]) -> tuple[T, float]:
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = function()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", choices=["fashion-mnist", "synthetic-cifar"], default="fashion-mnist"
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--model", default="small-cnn")
    parser.add_argument("--strategy", default="entropy")
    parser.add_argument("--pool", type=int, default=10_000, help="pool size")
    parser.add_argument("--labeled", type=int, default=2_000, help="labeled set size")
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    device = torch.device(args.device)
    seconds: dict[str, float] = {}

    train_x, train_y, test_x, test_y = load(args)
    pool_images, test_images, test_labels = train_x.to(device), test_x.to(device), test_y.to(device)
    labeled = torch.arange(args.labeled, device=device)
    labels = train_y[: args.labeled].to(device)
    settings = TrainSettings(args.epochs, args.batch_size, 0.05, 2048, True)
    with seeded(0):
        model = prepare(
            build_model(args.model, train_x.shape[1], 10, *channel_stats(train_x)), device
        )

    # 1. Train from scratch on the labeled set.
    augment = torch_generator(0, 0, "augment")
    _, seconds["train"] = timed(
        device, lambda: train_classifier(model, pool_images[labeled], labels, settings, augment)
    )
    # 2. Evaluate on the test split.
    test_accuracy, seconds["eval"] = timed(
        device, lambda: accuracy(model, test_images, test_labels, 2048)
    )
    # 3. Score the unlabeled pool (softmax of the task model).
    unlabeled = torch.arange(args.labeled, len(pool_images), device=device)
    _, seconds["score"] = timed(
        device, lambda: predict_probabilities(model, pool_images[unlabeled], 2048)
    )
    # 4. The strategy's whole select step (scoring included).
    strategy = load_all().get(args.strategy)()
    context = QueryContext(
        0,
        pool_images,
        labeled,
        labels,
        unlabeled,
        model,
        10,
        device,
        torch.Generator().manual_seed(0),
        0,
        settings,
        "quick",
    )
    _, seconds["select"] = timed(device, lambda: strategy.select(context, args.budget))

    images = {
        "train": args.labeled * args.epochs,
        "eval": len(test_labels),
        "score": len(unlabeled),
        "select": len(unlabeled),
    }
    rates = {phase: images[phase] / seconds[phase] for phase in seconds}
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"device {name}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    for phase in seconds:
        print(f"{phase:7} {seconds[phase]:7.2f} s  {rates[phase]:9.0f} images/s")
    print(f"test accuracy {test_accuracy:.3f} ({args.strategy}, budget {args.budget})")
    record = {
        "device": name,
        "args": vars(args),
        "seconds": seconds,
        "images_per_s": rates,
        "test_accuracy": test_accuracy,
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()

"""Images per second against batch size, memory format and precision, for the three kinds of
work a cycle does: scoring the pool, evaluating the test split, and training.

Scoring and evaluation run palsim's inference path (BatchNorm folded into the convolutions,
:func:`palsim.train.apply_batched`); training runs SGD steps on uint8 batches as
:func:`palsim.train.train_classifier` does. Minor page faults per image are printed beside
inference speeds: large CPU batches spend much of their time faulting in fresh memory.
Synthetic images of Fashion-MNIST's (1 x 28 x 28) and CIFAR-10's (3 x 32 x 32) shapes.

    python benchmarks/batch_sweep.py
    python benchmarks/batch_sweep.py --device cuda --batches 256,1024,4096
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from palsim.models import build_model
from palsim.train import apply_batched, fold_batchnorm, make_optimizer, random_crop_flip


def minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def best_rate(
    work: Callable[[], None],
    images: int,
    device: torch.device,
    repeats: int,
) -> tuple[float, float]:
    """(images per second, minor faults per image), best of ``repeats`` after one warm-up."""
    work()
    rates, faults = [], []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        before, started = minor_faults(), time.perf_counter()
        work()
        if device.type == "cuda":
            torch.cuda.synchronize()
        rates.append(images / (time.perf_counter() - started))
        faults.append((minor_faults() - before) / images)
    return max(rates), min(faults)


def precision_context(device: torch.device, bf16: bool) -> contextlib.AbstractContextManager[None]:
    if bf16:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def inference_rates(
    model: torch.nn.Module, images: torch.Tensor, batch: int, layout: str, bf16: bool, repeats: int
) -> tuple[float, float]:
    folded = fold_batchnorm(model)
    if layout == "contiguous":
        folded = folded.to(memory_format=torch.contiguous_format)
    device = images.device

    def work() -> None:
        with precision_context(device, bf16):
            apply_batched(lambda x: folded(x).softmax(dim=1), images, batch)

    return best_rate(work, len(images), device, repeats)


def training_rate(
    model: torch.nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    batch: int,
    layout: str,
    bf16: bool,
    repeats: int,
) -> float:
    device = images.device
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    model = model.to(memory_format=fmt).train()
    optimizer = make_optimizer(model, 0.01)
    generator = torch.Generator().manual_seed(0)
    steps = max(1, len(images) // batch)

    def work() -> None:
        for step in range(steps):
            index = slice(step * batch, (step + 1) * batch)
            crops = random_crop_flip(images[index], generator, 2).contiguous(memory_format=fmt)
            with precision_context(device, bf16):
                loss = F.cross_entropy(model(crops), labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    rate, _ = best_rate(work, steps * batch, device, repeats)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batches", default="32,64,128,256,512,1024", help="inference batches")
    parser.add_argument("--train-batches", default="32,64,128,256", help='"": no training')
    parser.add_argument("--images", type=int, default=4096, help="images per timed pass")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many")
    parser.add_argument("--shapes", default="1x28x28,3x32x32")
    parser.add_argument("--no-bf16", action="store_true", help="fp32 only")
    args = parser.parse_args()
    device = torch.device(args.device)
    precisions = [False] if args.no_bf16 else [False, True]
    results = []
    for shape_text in args.shapes.split(","):
        shape = tuple(int(part) for part in shape_text.split("x"))
        generator = torch.Generator().manual_seed(0)
        images = torch.randint(
            0, 256, (args.images, *shape), dtype=torch.uint8, generator=generator
        ).to(device)
        labels = torch.randint(0, 10, (args.images,), generator=generator).to(device)
        torch.manual_seed(0)
        model = build_model("small-cnn", shape[0], 10, [128.0] * shape[0], [64.0] * shape[0])
        model = model.to(device).eval()
        for layout in ("contiguous", "channels_last"):
            for bf16 in precisions:
                for batch in (int(b) for b in args.batches.split(",") if b):
                    rate, faults = inference_rates(model, images, batch, layout, bf16, args.repeats)
                    results.append(
                        {
                            "shape": shape_text,
                            "work": "inference",
                            "layout": layout,
                            "bf16": bf16,
                            "batch": batch,
                            "images_per_s": rate,
                            "faults_per_image": faults,
                        }
                    )
                    print(
                        f"{shape_text} inference {layout:13} {'bf16' if bf16 else 'fp32'} "
                        f"batch {batch:5}: {rate:8.0f} img/s, {faults:6.2f} faults/img",
                        flush=True,
                    )
                for batch in (int(b) for b in args.train_batches.split(",") if b):
                    torch.manual_seed(0)
                    fresh = build_model(
                        "small-cnn", shape[0], 10, [128.0] * shape[0], [64.0] * shape[0]
                    ).to(device)
                    rate = training_rate(
                        fresh, images[:1024], labels[:1024], batch, layout, bf16, args.repeats
                    )
                    results.append(
                        {
                            "shape": shape_text,
                            "work": "training",
                            "layout": layout,
                            "bf16": bf16,
                            "batch": batch,
                            "images_per_s": rate,
                        }
                    )
                    print(
                        f"{shape_text} training  {layout:13} {'bf16' if bf16 else 'fp32'} "
                        f"batch {batch:5}: {rate:8.0f} img/s",
                        flush=True,
                    )
    print(
        json.dumps({"device": str(device), "threads": torch.get_num_threads(), "results": results})
    )


if __name__ == "__main__":
    main()

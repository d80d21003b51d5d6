"""Training and inference on device-resident uint8 tensors: no DataLoader, no per-sample Python.

Batches are index slices of tensors that already live on the device; augmentation (random
crop with padding, horizontal flip) runs on whole batches on the device; CUDA uses bfloat16
autocast and channels_last.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from palsim.auxiliary import AuxiliaryObjective, capture_outputs

EpochCallback = Callable[[int, int, float], None]  # (1-based epoch, planned epochs, mean loss)


@dataclass(frozen=True)
class TrainSettings:
    """How the task model was trained this cycle; strategies that train networks start here."""

    epochs: int  # passes over the labeled set per cycle, unless min_steps asks for more
    batch_size: int  # samples per SGD step
    learning_rate: float  # peak learning rate of the task model
    eval_batch_size: int  # samples per forward pass when scoring the pool
    augment: bool  # random crop and flip during training
    min_steps: int = 0  # floor of optimizer steps per cycle, whatever the labeled-set size


class StepSettings(Protocol):
    """What :func:`train_steps` reads (TrainSettings and PAL's ScorerTraining both have it)."""

    @property
    def epochs(self) -> int: ...
    @property
    def min_steps(self) -> int: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def learning_rate(self) -> float: ...


#: Autocast precisions: "auto" is bf16 on CUDA and on a CPU that computes bfloat16 natively,
#: fp32 on other CPUs (the paired study behind it: docs/benchmarks.md); "bf16" autocasts on
#: any CPU, "fp32" never autocasts.
PRECISIONS = ("auto", "fp32", "bf16")
#: CPU flags (Linux's /proc/cpuinfo) of native bfloat16 arithmetic: AVX-512 BF16 and AMX.
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})

# The precision of the study running in this context (None: "auto"). A context variable, not
# a parameter of every training and scoring function: it is one setting of the whole run.
_BF16: contextvars.ContextVar[bool | None] = contextvars.ContextVar("palsim_bf16", default=None)


@contextlib.contextmanager
def precision(name: str) -> Iterator[None]:
    """Run a block under autocast precision ``name`` (one of :data:`PRECISIONS`)."""
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}; choose one of: {', '.join(PRECISIONS)}")
    token = _BF16.set(None if name == "auto" else name == "bf16")
    try:
        yield
    finally:
        _BF16.reset(token)


def planned_steps(count: int, batch_size: int, epochs: int, min_steps: int) -> int:
    """Optimizer steps for ``count`` items: ``max(min_steps, epochs x batches per epoch)``.

    Epochs alone collapse on a small labeled set (200 labels x 10 epochs at batch 64 is 40
    steps); the floor gives every labeled size enough updates, and ``epochs`` still lengthens
    training once the set is large. docs/training.md shows the measured curve behind the floors.
    """
    if count < 1 or batch_size < 1:
        raise ValueError(f"need at least one item and batch size, got {count}, {batch_size}")
    return max(min_steps, epochs * math.ceil(count / batch_size))


@functools.cache
def native_bf16() -> bool:
    """Whether this machine's CPU computes bfloat16 natively (read once; False where
    /proc/cpuinfo cannot tell, so that an emulated bf16 is never chosen by ``auto``)."""
    try:
        return lists_native_bf16(Path("/proc/cpuinfo").read_text(errors="replace"))
    except OSError:
        return False


def lists_native_bf16(cpuinfo: str) -> bool:
    """Whether the ``flags`` lines of a /proc/cpuinfo text name a native bfloat16 unit."""
    lines = (line for line in cpuinfo.splitlines() if line.startswith("flags"))
    return any(set(line.split()) & NATIVE_BF16_FLAGS for line in lines)


def uses_bf16(device: torch.device) -> bool:
    """Whether the study running in this context autocasts to bfloat16 on ``device``."""
    bf16 = _BF16.get()
    if bf16 is None:  # auto
        return device.type == "cuda" or (device.type == "cpu" and native_bf16())
    return bf16


def effective_precision(name: str, device: torch.device) -> str:
    """``fp32`` or ``bf16``: what precision ``name`` (``auto`` too) computes in on ``device``."""
    with precision(name):
        return "bf16" if uses_bf16(device) else "fp32"


def autocast(device: torch.device) -> contextlib.AbstractContextManager[None]:
    """bfloat16 autocast where :func:`uses_bf16` says so; else a no-op."""
    if uses_bf16(device):
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def import_optimizer_dependencies() -> None:
    """Import what torch's optimizers import on first use (``torch._dynamo``, about 0.85 s on
    the 2-core CPU), so that the cost lands before the first timed phase and not inside cycle
    0's training time. Cheap once imported; call it during setup."""
    import torch._dynamo  # noqa: F401


def prepare(model: nn.Module, device: torch.device) -> nn.Module:
    """Move a model to the device, channels_last on CUDA."""
    model = model.to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    return model


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block (model initialisation, dropout) under a private, seeded global RNG.

    torch's layer initialisers and dropout draw from the global generator; forking it keeps
    every such draw a function of ``seed`` and leaves the caller's generator untouched.
    """
    devices = [torch.cuda.current_device()] if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def random_crop_flip(images: torch.Tensor, generator: torch.Generator, pad: int) -> torch.Tensor:
    """Random ``pad``-pixel translation (zero padding) and horizontal flip of a uint8 batch."""
    batch, _, height, width = images.shape
    padded = F.pad(images, (pad, pad, pad, pad))
    offsets = torch.randint(0, 2 * pad + 1, (2, batch), generator=generator)
    offsets = offsets.to(images.device)
    rows = offsets[0, :, None] + torch.arange(height, device=images.device)
    cols = offsets[1, :, None] + torch.arange(width, device=images.device)
    flip = torch.rand(batch, generator=generator).to(images.device) < 0.5
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    index = torch.arange(batch, device=images.device)[:, None, None]
    # Advanced indexing moves the batch axes first: (B, H, W, C) -> (B, C, H, W).
    crops = padded.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]]
    return crops.permute(0, 3, 1, 2).contiguous()


def batches(
    count: int, batch_size: int, generator: torch.Generator | None
) -> Iterator[torch.Tensor]:
    """Index batches over ``count`` items, shuffled when a generator is given."""
    order = torch.randperm(count, generator=generator) if generator else torch.arange(count)
    for start in range(0, count, batch_size):
        yield order[start : start + batch_size]


def make_optimizer(model: nn.Module, learning_rate: float) -> torch.optim.Optimizer:
    """SGD with Nesterov momentum and weight decay, the usual CIFAR recipe."""
    return torch.optim.SGD(
        model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True, weight_decay=5e-4
    )


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    """Learning-rate multiplier: linear warm-up, then cosine decay to zero."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def train_steps(
    model: nn.Module,
    count: int,
    settings: StepSettings,
    generator: torch.Generator,
    batch_loss: Callable[[torch.Tensor], torch.Tensor],
    on_epoch: EpochCallback | None = None,
    min_batch: int = 2,
) -> float:
    """SGD over ``count`` items for :func:`planned_steps` steps; ``batch_loss(index)`` gives a loss.

    Nesterov SGD with weight decay, linear warm-up then cosine decay over the planned steps,
    bf16 autocast on CUDA. Passes over the items are reshuffled; the last one stops where the
    steps run out. Batches smaller than ``min_batch`` are skipped (a batch of one breaks
    BatchNorm; it is at most one sample per pass). Returns the last pass's mean loss.
    """
    if count < min_batch:
        raise ValueError(f"training needs at least {min_batch} items, got {count}")
    device = next(model.parameters()).device
    optimizer = make_optimizer(model, settings.learning_rate)
    total = planned_steps(count, settings.batch_size, settings.epochs, settings.min_steps)
    full_batches, last = divmod(count, settings.batch_size)
    per_epoch = full_batches + (1 if last >= min_batch else 0)
    epochs = math.ceil(total / per_epoch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: warmup_cosine(step, total, warmup=max(1, total // 20))
    )
    model.train()
    epoch_loss, step = float("nan"), 0
    for epoch in range(1, epochs + 1):
        loss_sum, seen = torch.zeros((), device=device), 0
        for index in batches(count, settings.batch_size, generator):
            if len(index) < min_batch:
                continue
            if step == total:
                break
            index = index.to(device)
            with autocast(device):
                loss = batch_loss(index)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.detach() * len(index)
            seen += len(index)
            step += 1
        epoch_loss = float(loss_sum) / max(1, seen)
        if on_epoch is not None:
            on_epoch(epoch, epochs, epoch_loss)
    model.eval()
    return epoch_loss


def augment_pad(side: int) -> int:
    """Padding of the random crop for square images of ``side`` pixels: 2 up to 28, else 4."""
    return 2 if side <= 28 else 4


def train_classifier(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    settings: TrainSettings,
    generator: torch.Generator,
    on_epoch: EpochCallback | None = None,
    auxiliary: AuxiliaryObjective | None = None,
) -> float:
    """Train ``model`` on uint8 ``images`` with cross-entropy; return the last epoch's loss.

    With an ``auxiliary`` objective, each step's loss is the mean cross-entropy plus
    ``auxiliary.loss(features, per-sample cross-entropies, progress)``, and
    ``auxiliary.module`` is trained by the same optimizer and schedule.
    """
    pad = augment_pad(images.shape[-1])
    total = planned_steps(len(images), settings.batch_size, settings.epochs, settings.min_steps)
    steps_taken = 0

    def batch_loss(index: torch.Tensor) -> torch.Tensor:
        nonlocal steps_taken
        batch = images[index]
        if settings.augment:
            batch = random_crop_flip(batch, generator, pad)
        if auxiliary is None:
            return F.cross_entropy(model(batch), labels[index])
        with capture_outputs(auxiliary.feature_modules(model)) as features:
            per_sample = F.cross_entropy(model(batch), labels[index], reduction="none")
        progress = steps_taken / total
        steps_taken += 1
        captured = [f for f in features if f is not None]
        assert len(captured) == len(features), "a feature module did not run in the forward"
        extra = auxiliary.loss(captured, per_sample, progress)
        return per_sample.mean() + extra

    if auxiliary is None:
        return train_steps(model, len(images), settings, generator, batch_loss, on_epoch)
    # One optimizer over both networks: the same SGD, weight decay and schedule for each.
    joint = nn.ModuleList([model, auxiliary.module])
    return train_steps(joint, len(images), settings, generator, batch_loss, on_epoch)


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """An inference copy of ``model`` with every Conv2d -> BatchNorm2d pair fused into one conv.

    Same outputs in eval mode (up to float rounding), one fewer pass over each feature map,
    and channels_last memory (faster on a CPU as well; measured in docs/benchmarks.md): pool
    scoring, palsim's main inference cost, gets faster on every device.
    """
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in itertools.pairwise(names):
            conv, norm = module._modules[first], module._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                module._modules[first] = fuse_conv_bn_eval(conv, norm)
                module._modules[second] = nn.Identity()
    return folded.to(memory_format=torch.channels_last)


@torch.no_grad()
def apply_batched(
    function: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int
) -> torch.Tensor:
    """``function`` over ``images`` in batches, results concatenated (float32)."""
    device = images.device
    outputs = []
    for start in range(0, len(images), batch_size):
        with autocast(device):
            outputs.append(function(images[start : start + batch_size]).float())
    return torch.cat(outputs) if outputs else torch.empty(0, device=device)


def predict_logits(model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    return apply_batched(fold_batchnorm(model), images, batch_size)


def predict_probabilities(model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    return predict_logits(model, images, batch_size).softmax(dim=1)


def embed(model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The task model's penultimate features (``model.embed``) for every image."""
    return apply_batched(fold_batchnorm(model).embed, images, batch_size)  # type: ignore[arg-type]


def accuracy(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int
) -> float:
    """Top-1 accuracy of ``model`` on a clean split (no augmentation), as correct / total in
    integers: an exact Python float (0.2925), not a float32 mean (0.29250000417232513)."""
    if len(images) == 0:
        return float("nan")
    predictions = predict_logits(model, images, batch_size).argmax(dim=1)
    return int((predictions == labels).sum()) / len(labels)

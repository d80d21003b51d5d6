"""Task models behind one registry: a small fast CNN for 28x28 and a CIFAR-style ResNet-18.

Every model takes uint8 images ``(B, C, H, W)`` straight from the device-resident dataset
and normalises them itself, so callers never convert. A model is a ``features`` backbone
(returning ``(B, D)`` embeddings) followed by a ``head`` (dropout, then linear): strategies
that need embeddings or MC-dropout over the head reuse the backbone's features. The
convolutional backbones also name their stages (:func:`feature_stages`), whose outputs an
auxiliary objective such as Learning Loss reads at several depths.
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from palsim.registry import Registry


class Normalize(nn.Module):
    """uint8 pixels to zero-mean, unit-variance floats (per-channel statistics as buffers)."""

    def __init__(self, mean: list[float], std: list[float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1) * 255.0)
        self.register_buffer("inverse_std", 1.0 / (torch.tensor(std).view(1, -1, 1, 1) * 255.0))

    mean: torch.Tensor
    inverse_std: torch.Tensor

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return (images.float() - self.mean) * self.inverse_std


def conv_bn(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


SMALL_CNN_WIDTH = 32  # channels of the first block; about 100k parameters in all
RESNET18_WIDTH = 64  # channels of the first stage, as in ResNet-18


class SmallCNN(nn.Module):
    """Three conv blocks and global average pooling; about 100k parameters at width 32."""

    def __init__(self, in_channels: int, width: int = SMALL_CNN_WIDTH) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            conv_bn(in_channels, width),
            nn.MaxPool2d(2),
            conv_bn(width, 2 * width),
            nn.MaxPool2d(2),
            conv_bn(2 * width, 4 * width),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.out_features = 4 * width
        self.width = width

    def stages(self) -> list[tuple[nn.Module, int]]:
        """Each conv block (before its pooling) and its output channels, shallow to deep."""
        # layers 0, 2 and 4 are the conv blocks; 1 and 3 the max-pools between them.
        return [(self.layers[2 * s], self.width * 2**s) for s in range(3)]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.layers(images)


class BasicBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(in_channels, out_channels, stride),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """CIFAR-style ResNet-18 (3x3 stem, no max-pool), widths ``width * (1, 2, 4, 8)``."""

    def __init__(self, in_channels: int, width: int = RESNET18_WIDTH) -> None:
        super().__init__()
        layers: list[nn.Module] = [conv_bn(in_channels, width)]
        channels = width
        for stage, multiplier in enumerate((1, 2, 4, 8)):
            out_channels = width * multiplier
            stride = 1 if stage == 0 else 2
            layers += [
                BasicBlock(channels, out_channels, stride),
                BasicBlock(out_channels, out_channels, 1),
            ]
            channels = out_channels
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.layers = nn.Sequential(*layers)
        self.out_features = channels
        self.width = width

    def stages(self) -> list[tuple[nn.Module, int]]:
        """The last block of each of the 4 stages and its output channels, shallow to deep."""
        # layers[0] is the stem; stage s holds blocks 1 + 2s and 2 + 2s.
        return [(self.layers[2 + 2 * s], self.width * 2**s) for s in range(4)]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.layers(images)


class TaskModel(nn.Module):
    """``normalize -> features -> head``; ``embed`` returns the features, ``head`` the logits."""

    def __init__(
        self,
        backbone: nn.Module,
        out_features: int,
        num_classes: int,
        mean: list[float],
        std: list[float],
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.backbone = backbone
        self.embedding_dim = out_features
        self.num_classes = num_classes
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(out_features, num_classes))

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        return self.backbone(self.normalize(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(images))


def feature_stages(model: nn.Module) -> list[tuple[nn.Module, int]]:
    """Modules of a task model whose outputs are its features at several depths, with their
    channel counts: the backbone's ``stages()`` where it has them (small-cnn, resnet18), else
    the whole backbone (its pooled features, one depth)."""
    assert isinstance(model, TaskModel)
    stages = getattr(model.backbone, "stages", None)
    if stages is None:
        return [(model.backbone, model.embedding_dim)]
    result: list[tuple[nn.Module, int]] = stages()
    return result


class Backbone(Protocol):
    """Builds a backbone for ``in_channels``; returns it and its feature size.

    ``width`` scales the channels; 0 keeps the backbone's own (the task model always does,
    PAL's scorer may set it).
    """

    def __call__(self, in_channels: int, width: int = 0) -> tuple[nn.Module, int]: ...


MODELS: Registry[Backbone] = Registry("model")


@MODELS.register("small-cnn", "3 conv blocks + global pooling, width 32; fast on a CPU")
def _small_cnn(in_channels: int, width: int = 0) -> tuple[nn.Module, int]:
    net = SmallCNN(in_channels, width or SMALL_CNN_WIDTH)
    return net, net.out_features


@MODELS.register("resnet18", "CIFAR-style ResNet-18 (as in the PAL paper)")
def _resnet18(in_channels: int, width: int = 0) -> tuple[nn.Module, int]:
    net = ResNet18(in_channels, width or RESNET18_WIDTH)
    return net, net.out_features


#: Side of the image the linear model reads (28x28 images pass through unchanged).
LINEAR_SIDE = 28


@MODELS.register("linear", "logistic regression on 28x28 pixels; confusion:P's reference")
def _linear(in_channels: int, width: int = 0) -> tuple[nn.Module, int]:
    # Pixels (resized to a fixed side, so the head's size does not depend on the dataset)
    # straight into the head: multinomial logistic regression; it has no width.
    net = nn.Sequential(nn.AdaptiveAvgPool2d(LINEAR_SIDE), nn.Flatten())
    return net, in_channels * LINEAR_SIDE * LINEAR_SIDE


def build_backbone(name: str, in_channels: int, width: int = 0) -> tuple[nn.Module, int]:
    """A freshly initialised registered backbone and its feature size (``width`` 0: default)."""
    return MODELS.get(name)(in_channels, width)


def choose_model(name: str, image_shape: tuple[int, int, int], preset: str) -> str:
    """Resolve ``auto``: the small CNN for small images or the CPU preset, else ResNet-18."""
    if name != "auto":
        MODELS.get(name)
        return name
    _, height, _ = image_shape
    return "small-cnn" if height <= 28 or preset == "quick" else "resnet18"


def channel_stats(images: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images, in [0, 1] units (from up to 10k images)."""
    sample = images[:10_000].float().div_(255.0)
    mean = sample.mean(dim=(0, 2, 3))
    std = sample.std(dim=(0, 2, 3)).clamp_min(1e-3)
    return mean.tolist(), std.tolist()


def build_model(
    name: str,
    in_channels: int,
    num_classes: int,
    mean: list[float],
    std: list[float],
    dropout: float = 0.0,
) -> TaskModel:
    """Build a freshly initialised task model (seed torch before calling for determinism)."""
    backbone, out_features = build_backbone(name, in_channels)
    return TaskModel(backbone, out_features, num_classes, mean, std, dropout)

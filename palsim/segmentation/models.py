"""Segmentation models behind their own registry: a small fast FCN and torchvision's DeepLabV3.

Like the classifiers in :mod:`palsim.models`, a model takes uint8 images ``(B, C, H, W)``
and normalises them itself. ``forward`` gives per-pixel logits ``(B, K, H, W)`` at the input
size; ``feature_map`` the backbone's last feature map ``(B, D, h, w)`` (PAL's pretext reads
it); ``embed`` its pixel mean, one vector per image ``(B, D)``, which core-set reads.
"""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from palsim.models import Normalize, conv_bn
from palsim.registry import Registry

SMALL_FCN_WIDTH = 16  # channels at full resolution; 4x that at 1/4 resolution


class SegmentationModel(nn.Module):
    """The interface the loop and the strategies rely on (see the module docstring)."""

    num_classes: int
    embedding_dim: int

    def feature_map(self, images: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        return self.feature_map(images).mean(dim=(2, 3))


class SmallFCN(SegmentationModel):
    """Conv blocks down to 1/8 resolution, then back up with one full-resolution skip.

    The coarse features (4 x width channels at 1/8 size, a receptive field of about 50
    pixels) see a whole 28x28 item, which is what tells its class; the skip from the first
    block restores the item outlines that upsampling blurs. About 100k weights at width 16.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        mean: list[float],
        std: list[float],
        width: int = SMALL_FCN_WIDTH,
    ) -> None:
        super().__init__()
        self.normalize = Normalize(mean, std)
        self.stem = conv_bn(in_channels, width)
        self.down = nn.Sequential(
            nn.MaxPool2d(2),
            conv_bn(width, 2 * width),
            nn.MaxPool2d(2),
            conv_bn(2 * width, 4 * width),
            nn.MaxPool2d(2),
            conv_bn(4 * width, 4 * width),
            conv_bn(4 * width, 4 * width),
        )
        self.reduce = nn.Sequential(
            nn.Conv2d(4 * width, width, 1, bias=False), nn.BatchNorm2d(width)
        )
        # 1x1: the fine features say "ink here", the upsampled ones which item; mixing them
        # needs no neighbourhood, and a 3x3 conv at full resolution would double the cost.
        self.refine = nn.Sequential(
            nn.Conv2d(2 * width, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)
        )
        self.head = nn.Conv2d(width, num_classes, 1)
        self.num_classes = num_classes
        self.embedding_dim = 4 * width

    def feature_map(self, images: torch.Tensor) -> torch.Tensor:
        return self.down(self.stem(self.normalize(images)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        fine = self.stem(self.normalize(images))
        coarse = self.reduce(self.down(fine))
        up = F.interpolate(coarse, size=fine.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(self.refine(torch.cat([fine, up], dim=1)))


class SegmentationFactory(Protocol):
    """Builds a freshly initialised model for (in_channels, num_classes, mean, std)."""

    def __call__(
        self, in_channels: int, num_classes: int, mean: list[float], std: list[float]
    ) -> SegmentationModel: ...


SEGMENTATION_MODELS: Registry[SegmentationFactory] = Registry("segmentation model")


@SEGMENTATION_MODELS.register("small-fcn", "segmentation: 3 conv blocks + one skip; fast on a CPU")
def _small_fcn(
    in_channels: int, num_classes: int, mean: list[float], std: list[float]
) -> SegmentationModel:
    return SmallFCN(in_channels, num_classes, mean, std)


def build_segmenter(
    name: str, in_channels: int, num_classes: int, mean: list[float], std: list[float]
) -> SegmentationModel:
    """A freshly initialised registered segmentation model (seed torch first)."""
    return SEGMENTATION_MODELS.get(name)(in_channels, num_classes, mean, std)


def choose_segmenter(name: str, image_shape: tuple[int, int, int], preset: str) -> str:
    """Resolve ``auto``: the small FCN on small images or the CPU preset, else DeepLabV3."""
    if name != "auto":
        SEGMENTATION_MODELS.get(name)
        return name
    _, height, _ = image_shape
    if height <= 64 or preset == "quick" or "deeplabv3-mobilenet" not in SEGMENTATION_MODELS:
        return "small-fcn"
    return "deeplabv3-mobilenet"

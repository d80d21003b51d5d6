"""``deeplabv3-mobilenet``: torchvision's DeepLabV3 head on a MobileNetV3-Large backbone.

The backbone starts from ImageNet weights only when torchvision's file for them is already
in the local torch cache (``torch.hub.get_dir()/checkpoints``); palsim never downloads them,
and says in one line which start it took. Grey images are repeated to the three channels
the backbone expects.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from palsim.models import Normalize
from palsim.segmentation.models import SEGMENTATION_MODELS, SegmentationModel

BACKBONE_CHANNELS = 960  # MobileNetV3-Large's last feature map


def cached_imagenet_weights() -> object | None:
    """torchvision's ImageNet weights enum for the backbone when its file is cached, else None."""
    from torchvision.models import MobileNet_V3_Large_Weights

    weights = MobileNet_V3_Large_Weights.IMAGENET1K_V1
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    return weights if cached.is_file() else None


class DeepLabV3MobileNet(SegmentationModel):
    """DeepLabV3 (ASPP head) on MobileNetV3-Large, logits upsampled to the input size."""

    def __init__(
        self, in_channels: int, num_classes: int, mean: list[float], std: list[float]
    ) -> None:
        super().__init__()
        from torchvision.models.segmentation import deeplabv3_mobilenet_v3_large

        weights = cached_imagenet_weights()
        start = "ImageNet weights from the torch cache" if weights else "from scratch"
        print(f"deeplabv3-mobilenet: backbone {start}", file=sys.stderr)
        self.net = deeplabv3_mobilenet_v3_large(
            weights=None, weights_backbone=weights, num_classes=num_classes, aux_loss=False
        )
        self.normalize = Normalize(mean, std)
        self.repeat = 3 // in_channels if in_channels in (1, 3) else 0
        if not self.repeat:
            raise ValueError(f"deeplabv3-mobilenet takes 1 or 3 channels, got {in_channels}")
        self.num_classes = num_classes
        self.embedding_dim = BACKBONE_CHANNELS

    def _input(self, images: torch.Tensor) -> torch.Tensor:
        return self.normalize(images).repeat(1, self.repeat, 1, 1)

    def feature_map(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.backbone(self._input(images))["out"]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(self._input(images))["out"]


@SEGMENTATION_MODELS.register(
    "deeplabv3-mobilenet", "segmentation: torchvision DeepLabV3, MobileNetV3-Large backbone"
)
def _deeplab(
    in_channels: int, num_classes: int, mean: list[float], std: list[float]
) -> SegmentationModel:
    return DeepLabV3MobileNet(in_channels, num_classes, mean, std)

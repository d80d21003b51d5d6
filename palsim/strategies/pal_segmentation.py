"""PAL's scoring network for segmentation: the task model's architecture, plus a rotation head.

As in the authors' Cityscapes code, the scorer is a second copy of the segmentation network
(built fresh from the segmentation registry each cycle): its segmentation head is trained on
the oracle's masks, and its backbone also serves the pretext task. The contrastive pretext
compares the backbone's whole last feature map, flattened; the rotation pretext (``-S
pretext=rotation``) reads a 4-way linear head on the pooled map.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import torch
from torch import nn

from palsim.segmentation.models import SegmentationModel, build_segmenter
from palsim.strategies.pal_scorer import PretextScorer
from palsim.strategies.pal_scores import ROTATIONS


class SegmentationScorer(PretextScorer):
    """A registered segmentation network read as a PAL scorer."""

    def __init__(self, network: SegmentationModel) -> None:
        super().__init__()
        self.network = network
        self.rotation_head = nn.Linear(network.embedding_dim, ROTATIONS)

    def task_logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.network(images)

    def pretext_features(self, images: torch.Tensor) -> torch.Tensor:
        # The whole feature map, flattened, as the authors do, not its pixel mean: two views
        # then match only when the same things sit at the same places of the (coarse) map,
        # so the pretext keeps the layout that a segmentation network must get right, where
        # a pooled vector would ask only what the image contains, as for classification. The
        # views shift by at most 4 pixels, under one cell of small-fcn's 1/8 map; a flipped
        # view is matched against a mirrored map, which the network has to learn to undo.
        return self.network.feature_map(images).flatten(1)

    def rotation_logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.rotation_head(self.network.embed(images))


def build_segmentation_scorer(
    name: str, in_channels: int, num_classes: int, mean: list[float], std: list[float]
) -> SegmentationScorer:
    """A freshly initialised scorer on the registered segmentation network ``name``."""
    return SegmentationScorer(build_segmenter(name, in_channels, num_classes, mean, std))

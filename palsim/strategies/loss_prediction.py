"""Learning Loss's loss-prediction module, its margin ranking loss, and the objective that
trains it jointly with the task model (through :class:`palsim.auxiliary.AuxiliaryObjective`).

The module reads the task model's features at several depths (the stages of
:func:`palsim.models.feature_stages`): per depth, global average pooling, a linear layer and
a ReLU; the depths concatenated; a last linear layer gives one scalar, the predicted loss.

References: Yoo and Kweon, Learning Loss for Active Learning (CVPR 2019), arXiv 1905.03677.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from palsim.auxiliary import AuxiliaryObjective, capture_outputs
from palsim.models import feature_stages
from palsim.train import apply_batched, fold_batchnorm


class LossPredictionModule(nn.Module):
    """Features at several depths -> one predicted loss per sample."""

    def __init__(self, channels: Sequence[int], width: int) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Linear(count, width), nn.ReLU()) for count in channels
        )
        self.out = nn.Linear(width * len(channels), 1)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        # Feature maps (B, C, H, W) are pooled over space; pooled features (B, C) pass as is.
        pooled = [f.flatten(2).mean(dim=2) if f.dim() == 4 else f for f in features]
        joined = torch.cat([branch(p) for branch, p in zip(self.branches, pooled, strict=True)], 1)
        return self.out(joined).squeeze(1)


def ranking_loss(predicted: torch.Tensor, target: torch.Tensor, margin: float) -> torch.Tensor:
    """The paper's margin ranking loss over the pairs (i, i + B/2) of a batch of B.

    Per pair: ``max(0, margin - sign(l_i - l_j) * (p_i - p_j))``, ``l`` the true losses
    (no gradient), ``p`` the predicted ones; averaged over the B/2 pairs. A tie in ``l`` counts
    as ``l_i < l_j`` (sign -1). An odd batch leaves its last sample unpaired.
    """
    half = len(predicted) // 2
    if half == 0:
        return predicted.sum() * 0.0
    predicted_gap = predicted[:half] - predicted[half : 2 * half]
    target_gap = (target[:half] - target[half : 2 * half]).detach()
    sign = torch.where(target_gap > 0, 1.0, -1.0).to(predicted_gap.dtype)
    return torch.clamp(margin - sign * predicted_gap, min=0).mean()


@torch.no_grad()
def ranking_accuracy(predicted: torch.Tensor, actual: torch.Tensor, chunk: int = 1024) -> float:
    """Share of the pairs with different ``actual`` values that ``predicted`` orders the same
    way (a tie in ``predicted`` counts as wrong); NaN when no pair differs. Chunked: memory
    ``chunk x N``, never N x N."""
    correct = total = 0
    for start in range(0, len(actual), chunk):
        actual_gap = actual[start : start + chunk, None] - actual[None, :]
        predicted_gap = predicted[start : start + chunk, None] - predicted[None, :]
        ordered = actual_gap > 0  # each pair of distinct values counted once
        correct += int((ordered & (predicted_gap > 0)).sum())
        total += int(ordered.sum())
    return correct / total if total else float("nan")


class LossPredictionObjective(AuxiliaryObjective):
    """CE + weight x ranking loss; the module's gradient stops reaching the task model's
    features once ``detach_fraction`` of the planned steps are taken (paper: epoch 120/200)."""

    def __init__(
        self, model: nn.Module, width: int, margin: float, weight: float, detach_fraction: float
    ) -> None:
        channels = [count for _, count in feature_stages(model)]
        device = next(model.parameters()).device
        self.module = LossPredictionModule(channels, width).to(device)
        self.margin = margin
        self.weight = weight
        self.detach_fraction = detach_fraction

    def feature_modules(self, model: nn.Module) -> list[nn.Module]:
        return [module for module, _ in feature_stages(model)]

    def loss(
        self, features: Sequence[torch.Tensor], per_sample_loss: torch.Tensor, progress: float
    ) -> torch.Tensor:
        if progress >= self.detach_fraction:
            features = [f.detach() for f in features]
        predicted = self.module(features).float()
        return self.weight * ranking_loss(predicted, per_sample_loss.float(), self.margin)

    def predict(self, model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
        """Predicted loss of every image (eval mode, BatchNorm folded, no gradient)."""
        inference = fold_batchnorm(model)
        self.module.eval()
        modules = self.feature_modules(inference)

        def predicted(batch: torch.Tensor) -> torch.Tensor:
            with capture_outputs(modules) as outputs:
                inference(batch)
            return self.module([output for output in outputs if output is not None])

        return apply_batched(predicted, images, batch_size)

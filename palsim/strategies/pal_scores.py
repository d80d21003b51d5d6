"""PAL's scores as pure functions over tensors (higher = more worth labelling).

- S_S, the self-supervision score: minus the summed probability that the scorer gives the
  rotation actually applied, over the four rotations. -4 when it recognises every rotation
  with certainty, 0 when it gives each applied rotation probability 0; a network that cannot
  tell the rotation at all (uniform predictions) gets -1. Novel samples score high.
- S_C, the classification score: minus KL(Uniform || softmax(class logits)) in bits. 0 for a
  uniform class prediction, negative otherwise; unbounded below for a confident prediction.
- The first sub-query ranks by lambda_rot * S_S + lambda_kl * S_C; later sub-queries by
  lambda_div * S_D + (that first-round score), S_D being S_S under the fine-tuned scorer copy.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import math

import torch

ROTATIONS = 4  # 0, 90, 180 and 270 degrees


def rotation_score(rotation_logits: torch.Tensor) -> torch.Tensor:
    """S_S from logits ``(N, 4, 4)``: ``[n, r]`` holds the logits for sample n rotated by r.

    S_S(n) = - sum_r softmax(rotation_logits[n, r])[r]; range [-4, 0].
    """
    if rotation_logits.shape[1:] != (ROTATIONS, ROTATIONS):
        shape = tuple(rotation_logits.shape)
        raise ValueError(f"expected rotation logits of shape (N, 4, 4), got {shape}")
    probabilities = rotation_logits.float().softmax(dim=2)
    return -probabilities.diagonal(dim1=1, dim2=2).sum(dim=1)


def class_score(class_logits: torch.Tensor) -> torch.Tensor:
    """S_C from class logits ``(N, K)``: - KL(Uniform || p) in bits = log2 K + mean_k log2 p_k."""
    log2_probabilities = class_logits.float().log_softmax(dim=1) / math.log(2.0)
    return math.log2(class_logits.shape[1]) + log2_probabilities.mean(dim=1)


def first_round_score(
    rotation: torch.Tensor, classification: torch.Tensor, lambda_rot: float, lambda_kl: float
) -> torch.Tensor:
    """The score of the first sub-query: lambda_rot * S_S + lambda_kl * S_C."""
    return lambda_rot * rotation + lambda_kl * classification


def subquery_score(
    diversity: torch.Tensor, first_round: torch.Tensor, lambda_div: float
) -> torch.Tensor:
    """The score of a later sub-query: lambda_div * S_D + the cached first-round score."""
    return lambda_div * diversity + first_round


def subquery_sizes(budget: int, subquery_size: int) -> list[int]:
    """Split ``budget`` into sub-queries of ``subquery_size``, the remainder a last, smaller one."""
    if budget < 0 or subquery_size < 1:
        raise ValueError(f"need budget >= 0 and subquery_size >= 1, got {budget}, {subquery_size}")
    full, remainder = divmod(budget, subquery_size)
    return [subquery_size] * full + ([remainder] if remainder else [])

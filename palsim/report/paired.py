"""Paired comparisons against a baseline strategy, with 95% confidence intervals over seeds.

All strategies of one seed share the pool, the initial labeled set and the oracle's noise, so
the fair question is how each strategy does against the baseline *on the same seed*. A group
is paired with the baseline group whose configuration is the same except ``strategy`` and
``strategy_options``; where the baseline strategy itself ran with several options, its group
at the default options is the baseline and the others are compared with it (an ablation).
Their runs are paired by (seed, noise_seed). Per pair the difference (strategy minus
baseline) of the report's metric at each cycle and of its AUBC is taken; the report gives
the mean difference and a 95% confidence interval from the t-distribution with n - 1
degrees of freedom: mean ± t(0.975, n - 1) · std / sqrt(n), std over n - 1. One pair gives
a mean but no interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from palsim.report.aggregate import GroupStats, aubc, identity_text

#: Keys in which a group may differ from its baseline: the strategy and its own options.
STRATEGY_KEYS = ("strategy", "strategy_options")
CONFIDENCE = 0.95
INTERVAL_NOTE = "± is the half-width of a 95% confidence interval (t-distribution, n - 1 dof)"


@dataclass
class Paired:
    """Mean of n paired differences and the half-width of its 95% confidence interval."""

    mean: float
    half_width: float | None  # None for a single pair
    n: int

    @classmethod
    def of(cls, differences: list[float]) -> Paired:
        from scipy.stats import t

        n = len(differences)
        mean = sum(differences) / n
        if n < 2:
            return cls(mean, None, n)
        std = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
        quantile = float(t.ppf(0.5 + CONFIDENCE / 2, n - 1))
        return cls(mean, quantile * std / math.sqrt(n), n)

    @property
    def low(self) -> float | None:
        return None if self.half_width is None else self.mean - self.half_width

    @property
    def high(self) -> float | None:
        return None if self.half_width is None else self.mean + self.half_width


@dataclass
class Comparison:
    """One group against its baseline group; ``reason`` says why there are no pairs."""

    group: GroupStats
    baseline: str  # the baseline strategy's name
    seeds: list[int | None] = field(default_factory=list)  # the paired seeds
    cycles: list[Paired] = field(default_factory=list)  # the metric's difference per cycle
    aubc: Paired | None = None
    reason: str | None = None


def comparison_cell(group: GroupStats) -> str:
    """The configuration without the strategy: groups in one cell are compared."""
    rest = {k: v for k, v in group.identity.items() if k not in STRATEGY_KEYS}
    return identity_text(rest)


def compare(groups: list[GroupStats], baseline: str) -> list[Comparison]:
    """Every group that is not the baseline, paired with the baseline of its configuration."""
    if baseline not in {group.key[2] for group in groups}:
        strategies = ", ".join(sorted({group.key[2] for group in groups}))
        raise ValueError(
            f"--baseline {baseline!r}: no finished run uses it; strategies here: {strategies}"
        )
    baselines: dict[str, list[GroupStats]] = {}
    for group in groups:
        if group.key[2] == baseline:
            baselines.setdefault(comparison_cell(group), []).append(group)
    references = {cell: reference(members) for cell, members in baselines.items()}
    comparisons = []
    for group in groups:
        cell = comparison_cell(group)
        chosen = references.get(cell)
        if group is chosen or (group.key[2] == baseline and chosen is None):
            continue
        candidates = baselines.get(cell, []) if chosen is None else [chosen]
        comparisons.append(pair_with(group, candidates, baseline))
    return comparisons


def reference(members: list[GroupStats]) -> GroupStats | None:
    """The baseline group of one configuration: the only one, else the one at the strategy's
    default options (no ``-S`` given), with which its other options (an ablation) are then
    compared; None when that does not single one out."""
    if len(members) == 1:
        return members[0]
    defaults = [group for group in members if not group.identity.get("strategy_options")]
    return defaults[0] if len(defaults) == 1 else None


def pair_with(group: GroupStats, candidates: list[GroupStats], baseline: str) -> Comparison:
    if len(candidates) != 1:
        many = "several baseline groups (other strategy options)" if candidates else "none"
        reason = f"no single {baseline} group with the same configuration: {many}"
        return Comparison(group, baseline, reason=reason)
    reference = candidates[0]
    if reference.labeled != group.labeled:
        return Comparison(group, baseline, reason=f"labeled counts differ from {baseline}'s")
    theirs = {run.seeds: run for run in reference.members if run.seed is not None}
    pairs = [(run, theirs[run.seeds]) for run in group.members if run.seeds in theirs]
    if not pairs:
        return Comparison(group, baseline, reason=f"no seed in common with {baseline}")
    cycles = [
        Paired.of([mine.values[c] - other.values[c] for mine, other in pairs])
        for c in range(len(group.labeled))
    ]
    aubc_differences = [
        aubc(mine.labeled, mine.values) - aubc(other.labeled, other.values) for mine, other in pairs
    ]
    seeds = [mine.seed for mine, _ in pairs]
    return Comparison(group, baseline, seeds, cycles, Paired.of(aubc_differences))

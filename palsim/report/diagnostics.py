"""``palsim report --diagnostics``: how well each network of a group learned, per cycle.

Every cycle record holds a ``diagnostics`` object (docs/training.md: the task model's
training loss and accuracies, PAL's scorer accuracies, VAAL's discriminator loss, ...) and a
``warnings`` list. For each group and cycle this gives, per scalar diagnostic, its mean ± std
over the group's runs, and the number of warnings the runs raised. Lists (per-class values,
per-sub-query counts) stay in the per-run CSV and summary.json. Values come from run folders:
only finite numbers count, anything else is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from palsim.report.aggregate import GroupStats, Spread


@dataclass(frozen=True)
class CycleDiagnostics:
    """One group's diagnostics at one cycle."""

    cycle: int
    labeled: int
    values: dict[str, Spread]  # diagnostic key -> over the runs that recorded it
    runs: dict[str, int]  # diagnostic key -> how many runs recorded it
    warnings: int  # warnings raised in this cycle, summed over the runs


def finite_number(value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and math.isfinite(value)


def group_diagnostics(group: GroupStats) -> list[CycleDiagnostics]:
    """Per cycle, the scalar diagnostics of the group's runs in the order first met."""
    result = []
    for cycle, labeled in enumerate(group.labeled):
        collected: dict[str, list[float]] = {}
        warnings = 0
        for run in group.members:
            record = run.cycles[cycle]
            diagnostics = record.get("diagnostics")
            if isinstance(diagnostics, dict):
                for key, value in diagnostics.items():
                    if isinstance(key, str) and finite_number(value):
                        collected.setdefault(key, []).append(float(value))
            listed = record.get("warnings")
            warnings += len(listed) if isinstance(listed, list) else 0
        values = {key: Spread.of(numbers) for key, numbers in collected.items()}
        runs = {key: len(numbers) for key, numbers in collected.items()}
        result.append(CycleDiagnostics(cycle, labeled, values, runs, warnings))
    return result

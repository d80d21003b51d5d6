"""Which per-cycle number a report is about: ``--metric auto|accuracy|miou|pixel-accuracy``.

Classification runs record ``test_accuracy`` per cycle, segmentation runs ``test_miou`` and
``test_pixel_accuracy`` (docs/formats.md). A report reads one of them for every run; ``auto``
takes accuracy when every run is a classification run and mIoU when every run is a
segmentation run, and refuses a folder that holds both (their numbers never average or
compare). A run's task is read from its own records: a record with ``test_miou`` or
``test_pixel_accuracy`` is a segmentation record. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from palsim.registry import Registry

AUTO = "auto"
CLASSIFICATION, SEGMENTATION = "classification", "segmentation"
#: Record keys only a segmentation run writes.
SEGMENTATION_KEYS = ("test_miou", "test_pixel_accuracy")


@dataclass(frozen=True)
class Metric:
    """One per-cycle test metric of summary.json, and how a report names it."""

    name: str  # the --metric value: accuracy, miou, pixel-accuracy
    key: str  # the cycle record's field: test_accuracy, test_miou, ...
    label: str  # in titles, headers and axes: "test accuracy", "test mIoU"
    short: str  # in narrow headers: "accuracy", "mIoU"
    column: str  # stem of the CSV columns: accuracy_mean, miou_mean, ...
    task: str  # the task type whose runs record it

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "key": self.key, "label": self.label, "task": self.task}


REPORT_METRICS: Registry[Metric] = Registry("report metric")
for _metric in (
    Metric("accuracy", "test_accuracy", "test accuracy", "accuracy", "accuracy", CLASSIFICATION),
    Metric("miou", "test_miou", "test mIoU", "mIoU", "miou", SEGMENTATION),
    Metric(
        "pixel-accuracy",
        "test_pixel_accuracy",
        "test pixel accuracy",
        "pixel accuracy",
        "pixel_accuracy",
        SEGMENTATION,
    ),
):
    REPORT_METRICS.register(_metric.name, f"{_metric.key} of {_metric.task} runs")(_metric)

#: The metric ``auto`` picks for runs of one task.
AUTO_METRIC = {CLASSIFICATION: "accuracy", SEGMENTATION: "miou"}
METRIC_CHOICES = (AUTO, *REPORT_METRICS.names())


def check_metric_name(name: str) -> str:
    """``name`` when it is ``auto`` or a report metric; ValueError naming the choices."""
    if name not in METRIC_CHOICES:
        raise ValueError(f"--metric {name!r}: choose one of: {', '.join(METRIC_CHOICES)}")
    return name


def task_of(cycles: list[object]) -> str:
    """A run's task type, from its cycle records."""
    for record in cycles:
        if isinstance(record, dict) and any(key in record for key in SEGMENTATION_KEYS):
            return SEGMENTATION
    return CLASSIFICATION


def choose_metric(name: str, tasks: Iterable[str]) -> Metric:
    """The metric for ``--metric name`` over runs of the given tasks (``auto`` resolved)."""
    if name != AUTO:
        return REPORT_METRICS.get(check_metric_name(name))
    found = sorted(set(tasks))
    if len(found) > 1:
        raise ValueError(
            "runs of both tasks here (classification and segmentation): --metric must be "
            "given (accuracy for classification runs; miou or pixel-accuracy for segmentation)"
        )
    return REPORT_METRICS.get(AUTO_METRIC[found[0] if found else CLASSIFICATION])

"""Label-noise models (simulated annotators) and their spec language. numpy only, no torch.

``parse(spec, num_classes)`` builds an :class:`Oracle` from a spec such as ``noisy:0.2``,
``cifar10-asym:0.4`` or ``annotators:5:0.1-0.4:vote=3`` (the grammar is in
:mod:`oracles.spec`, the exact meaning of each model in ``docs/oracles.md``). Every matrix is
``T[true, given]``: row = true class. Segmentation masks are annotated by a
:class:`MaskOracle` from ``parse_masks(spec, num_classes)`` (``oracles.masks``).
"""

from oracles.base import Annotation, AnnotatorProfile, Answer, Oracle, answer_records
from oracles.masks import MASK_FORMS, MaskOracle, parse_masks
from oracles.spec import FORMS, parse

__all__ = [
    "FORMS",
    "MASK_FORMS",
    "Annotation",
    "AnnotatorProfile",
    "Answer",
    "MaskOracle",
    "Oracle",
    "answer_records",
    "parse",
    "parse_masks",
]

"""Noisy segmentation masks: the oracle that annotates whole label masks, and its specs.

    perfect                          the true mask
    segment-flip:P[:matrix=PATH]     each segment takes a wrong class with probability P
    boundary:K                       each segment dilated or eroded (50/50) by 1..K pixels
    missed:P                         each segment left as background with probability P
    MODEL+MODEL...                   several models, applied left to right (each at most once)

A segment is a 4-connected component of one class (``oracles.mask_segments``); class
``background`` (0 unless said otherwise) is no segment and is what missed and eroded pixels
become; id 255 marks ignored pixels, which no model changes. A dataset without a background
class (Cityscapes: every pixel is road, car, sky, ...) passes ``background=255``: then every
class forms segments and missed or eroded pixels become unlabeled (255). ``docs/oracles.md`` ("Noisy
masks") gives the exact semantics. numpy and scipy only.
"""

from __future__ import annotations

import numpy as np

from oracles.classcond import load_transition_matrix
from oracles.mask_boundary import BoundaryNoise
from oracles.mask_noise import (
    MaskNoise,
    MissedSegments,
    SegmentFlip,
    StepCount,
    uniform_wrong_matrix,
    wrong_matrix_from,
)
from oracles.mask_segments import IGNORE, wrong_segments
from oracles.spec import _integer, _probability

#: (form, example, meaning) of every mask model; ``palsim list oracles`` can print these.
MASK_FORMS: list[tuple[str, str, str]] = [
    ("perfect", "perfect", "the true mask"),
    (
        "segment-flip:P[:matrix=PATH]",
        "segment-flip:0.2",
        "each segment wrong with probability P (uniform over other non-background classes)",
    ),
    ("boundary:K", "boundary:2", "each segment dilated or eroded (50/50) by 1..K pixels"),
    ("missed:P", "missed:0.1", "each segment left as background with probability P"),
    ("MODEL+MODEL", "segment-flip:0.2+boundary:2", "models applied left to right"),
]

#: Every rate key annotate returns, in a fixed order (counts "pixels" and "segments" follow).
RATE_KEYS = (
    "pixel_error_rate",
    "segment_error_rate",
    "segment_flip_rate",
    "boundary_pixel_rate",
    "missed_rate",
)

#: Widest boundary noise a spec may ask for, in pixels.
MAX_RADIUS = 64


class MaskOracle:
    """Answers a stack of true masks with noisy ones; stateless (the engine keeps answers).

    Class ``background`` (default 0, palsim's segmentation datasets use 0) is the class of
    pixels outside every object; label id 255 is ignored and passes through unchanged. With
    ``background=255`` every class is an object class and unannotated pixels become 255.
    """

    def __init__(
        self, spec: str, num_classes: int, steps: tuple[MaskNoise, ...], background: int = 0
    ) -> None:
        self.spec = spec
        self.num_classes = num_classes  # classes 0..K-1 (background among them, or 255)
        self.steps = steps  # applied in this order, each to the previous one's output
        self.background = background  # class of unannotated pixels

    def annotate(
        self, masks: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[str, float]]:
        """Noisy masks (int64, same shape) for true ``masks`` (n, H, W), and realised rates.

        Rates, over the masks of this call: ``pixel_error_rate`` (non-ignored pixels answered
        with another class), ``segment_error_rate`` (true segments with more than half their
        pixels wrong), and per model the share it changed of what it saw:
        ``segment_flip_rate`` and ``missed_rate`` (segments), ``boundary_pixel_rate``
        (non-ignored pixels); 0.0 for a model not in the spec. ``pixels`` and ``segments``
        count the non-ignored pixels and true segments, to weight rates when pooling calls.
        """
        clean = self._checked(masks)
        noisy = clean
        counts: dict[str, StepCount] = {}
        for step in self.steps:
            noisy, count = step.apply(noisy, rng)
            counts[count.key] = count
        labelled = clean != IGNORE
        pixels = int(labelled.sum())
        wrong, segments = wrong_segments(clean, noisy, self.background)
        rates = {
            key: _ratio(counts[key].changed, counts[key].total) if key in counts else 0.0
            for key in RATE_KEYS
        }
        rates["pixel_error_rate"] = _ratio(int(np.sum((noisy != clean) & labelled)), pixels)
        rates["segment_error_rate"] = _ratio(wrong, segments)
        rates["pixels"], rates["segments"] = float(pixels), float(segments)
        return noisy.astype(np.int64), rates

    def _checked(self, masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks)
        if masks.ndim != 3 or not np.issubdtype(masks.dtype, np.integer):
            raise ValueError(
                f"masks must be an integer array (n, H, W), got {masks.dtype} "
                f"of shape {masks.shape}"
            )
        masks = masks.astype(np.int64)
        bad = (masks != IGNORE) & ((masks < 0) | (masks >= self.num_classes))
        if bad.any():
            raise ValueError(f"mask values must lie in 0..{self.num_classes - 1} or be {IGNORE}")
        return masks


def parse_masks(spec: str, num_classes: int, background: int = 0) -> MaskOracle:
    """Build the mask oracle that ``spec`` describes for classes 0..num_classes-1.

    Raises ValueError with one line naming the problem and the valid forms.
    """
    if not 2 <= num_classes <= IGNORE:
        raise ValueError(f"a mask oracle needs 2..{IGNORE} classes, got {num_classes}")
    if not (0 <= background < num_classes or background == IGNORE):
        raise ValueError(
            f"background class {background} is not in 0..{num_classes - 1} (or {IGNORE}: none)"
        )
    try:
        steps = _steps(spec.strip(), num_classes, background)
    except ValueError as error:
        raise ValueError(
            f"bad mask oracle spec {spec!r}: {error}; valid forms: {valid_mask_forms()}"
        ) from None
    return MaskOracle(spec, num_classes, steps, background)


def valid_mask_forms() -> str:
    """The valid mask spec forms, comma-separated, for error messages."""
    return ", ".join(form for form, _, _ in MASK_FORMS)


def _steps(spec: str, num_classes: int, background: int) -> tuple[MaskNoise, ...]:
    if spec == "perfect":
        return ()
    steps: list[MaskNoise] = []
    for part in spec.split("+"):
        name, _, argument = part.strip().partition(":")
        if not name:
            raise ValueError("a model is missing (an empty spec or a stray '+')")
        if name == "perfect":
            raise ValueError("perfect cannot be combined with other models")
        build = _BUILDERS.get(name)
        if build is None:
            raise ValueError(f"unknown mask model {name!r}")
        if any(step.name == name for step in steps):
            raise ValueError(f"{name} is given twice")
        steps.append(build(argument, num_classes, background))
    return tuple(steps)


def _segment_flip(argument: str, num_classes: int, background: int) -> MaskNoise:
    rate_text, *options = argument.split(":")
    rate = _probability(rate_text)
    if len(options) > 1 or (options and not options[0].startswith("matrix=")):
        raise ValueError(f"unknown segment-flip option {':'.join(options)!r}; option: matrix=PATH")
    if options:
        path = options[0].removeprefix("matrix=")
        if not path:
            raise ValueError("matrix= needs a file path")
        wrong = wrong_matrix_from(load_transition_matrix(path, num_classes), background)
    elif num_classes - (background < num_classes) < 2:
        raise ValueError("segment-flip needs at least two classes besides the background")
    else:
        wrong = uniform_wrong_matrix(num_classes, background)
    return SegmentFlip(background, rate, wrong)


def _boundary(argument: str, num_classes: int, background: int) -> MaskNoise:
    return BoundaryNoise(background, _integer(argument, "boundary radius K", MAX_RADIUS))


def _missed(argument: str, num_classes: int, background: int) -> MaskNoise:
    return MissedSegments(background, _probability(argument))


_BUILDERS = {"segment-flip": _segment_flip, "boundary": _boundary, "missed": _missed}


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0

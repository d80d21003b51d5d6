"""Connected segments of label masks: the unit that the noisy-mask models act on.

A *segment* is a connected component of the pixels of one class, with **4-connectivity**
(pixels touching by an edge, not only by a corner), inside one image. Background and ignored
pixels belong to no segment. numpy and scipy.ndimage only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: Label id of pixels that carry no label (Cityscapes' convention); never changed by noise.
IGNORE = 255

#: 4-connectivity inside each image of an (n, H, W) stack, never across images.
_STRUCTURE = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE[1] = ndimage.generate_binary_structure(2, 1)


@dataclass(frozen=True)
class Segments:
    """The segments of a stack of masks."""

    ids: np.ndarray  # (n, H, W) int64: segment id 1..count per pixel, 0 for background/ignored
    classes: np.ndarray  # (count + 1,) int64: class of each segment id; entry 0 is unused (-1)

    @property
    def count(self) -> int:
        """Number of segments."""
        return len(self.classes) - 1


def find_segments(masks: np.ndarray, background: int) -> Segments:
    """Label the segments of ``masks`` (n, H, W); ids run class by class, then in scan order."""
    ids = np.zeros(masks.shape, dtype=np.int64)
    classes = [np.full(1, -1, dtype=np.int64)]
    offset = 0
    for value in np.unique(masks):
        if value in (background, IGNORE):
            continue
        labelled, count = ndimage.label(masks == value, structure=_STRUCTURE)
        inside = labelled > 0
        ids[inside] = labelled[inside] + offset
        classes.append(np.full(count, value, dtype=np.int64))
        offset += count
    return Segments(ids, np.concatenate(classes))


def wrong_segments(clean: np.ndarray, noisy: np.ndarray, background: int) -> tuple[int, int]:
    """(segments of ``clean`` with more than half their pixels answered wrongly, all segments)."""
    segments = find_segments(clean, background)
    if segments.count == 0:
        return 0, 0
    flat = segments.ids.ravel()
    sizes = np.bincount(flat, minlength=segments.count + 1)[1:]
    wrong = np.bincount(flat, weights=(clean != noisy).ravel(), minlength=segments.count + 1)[1:]
    return int(np.sum(2 * wrong > sizes)), segments.count

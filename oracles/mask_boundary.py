"""``boundary:K``: outlines drawn in a hurry, each segment grown or shrunk by 1..K pixels.

Per segment, a fair coin chooses dilation or erosion and a radius r is drawn uniformly from
1..K. Dilation adds every pixel within Euclidean distance r of the segment (a disk of radius
r); erosion removes every pixel of the segment within distance r of a pixel outside it (the
image border is not an outside: an object cut by the frame is not shrunk from the frame).

Overlaps resolve as layered polygons do: every image is repainted from a background canvas
(ignored pixels kept), its segments painted in a random order drawn from the rng, a later
segment covering an earlier one; a pixel no segment covers becomes background. Ignored
pixels are never painted.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from oracles.mask_noise import MaskNoise, StepCount
from oracles.mask_segments import IGNORE, find_segments


class BoundaryNoise(MaskNoise):
    """``boundary:K``: each segment dilated or eroded (50/50) by a radius drawn from 1..K."""

    name = "boundary"

    def __init__(self, background: int, radius: int) -> None:
        super().__init__(background)
        self.radius = radius  # largest dilation or erosion, in pixels

    def apply(self, masks: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, StepCount]:
        segments = find_segments(masks, self.background)
        # 1. Draws for every segment: grow or shrink, the radius, the painting order.
        grow = rng.random(segments.count) < 0.5
        radii = rng.integers(1, self.radius + 1, size=segments.count)
        order = rng.permutation(segments.count)
        # 2. A background canvas that keeps the ignored pixels.
        noisy = np.where(masks == IGNORE, IGNORE, self.background).astype(masks.dtype)
        boxes = ndimage.find_objects(segments.ids)
        # 3. Paint each segment's outline; segments of different images never meet, so one
        #    order over the whole stack is a random order within each image.
        for index in order:
            box = _grown_box(boxes[index], int(radii[index]) + 1, masks.shape)
            inside = segments.ids[box] == index + 1
            footprint = _footprint(inside, int(radii[index]), bool(grow[index]))
            footprint &= masks[box] != IGNORE
            noisy[box][footprint] = segments.classes[index + 1]
        changed = int(np.sum(noisy != masks))
        return noisy, StepCount("boundary_pixel_rate", changed, int(np.sum(masks != IGNORE)))


def _footprint(inside: np.ndarray, radius: int, grow: bool) -> np.ndarray:
    """The pixels a segment covers after growing or shrinking by ``radius``."""
    if grow:
        return np.asarray(ndimage.distance_transform_edt(~inside) <= radius)
    if inside.all():  # nothing outside the segment within reach: no edge to erode from
        return inside.copy()
    return inside & (np.asarray(ndimage.distance_transform_edt(inside)) > radius)


def _grown_box(
    box: tuple[slice, ...], margin: int, shape: tuple[int, ...]
) -> tuple[slice, slice, slice]:
    """A segment's bounding box (image, rows, columns) widened by ``margin`` pixels."""
    image, rows, columns = box
    return (
        image,
        slice(max(rows.start - margin, 0), min(rows.stop + margin, shape[1])),
        slice(max(columns.start - margin, 0), min(columns.stop + margin, shape[2])),
    )

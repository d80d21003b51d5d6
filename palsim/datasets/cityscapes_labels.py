"""Cityscapes label ids and the 19 train ids, written from the dataset's label definitions.

The ``*_gtFine_labelIds.png`` masks hold label ids 0..33. Evaluation (and training) uses 19
of them, renumbered 0..18 as *train ids*; every other label id (void classes such as
``ego vehicle`` and rare classes such as ``caravan``) becomes 255, the ignored id. Label id
-1 (``license plate``) never appears in the PNG files (they are unsigned); any id not listed
here is ignored as well. Source: the label table of the Cityscapes scripts
(``cityscapesscripts/helpers/labels.py``), M. Cordts et al., CVPR 2016.
"""

from __future__ import annotations

import numpy as np

#: Train id of pixels left out of training and of every metric.
IGNORED = 255

#: (label id, name, train id) for every label id in the masks.
LABELS: tuple[tuple[int, str, int], ...] = (
    (0, "unlabeled", IGNORED),
    (1, "ego vehicle", IGNORED),
    (2, "rectification border", IGNORED),
    (3, "out of roi", IGNORED),
    (4, "static", IGNORED),
    (5, "dynamic", IGNORED),
    (6, "ground", IGNORED),
    (7, "road", 0),
    (8, "sidewalk", 1),
    (9, "parking", IGNORED),
    (10, "rail track", IGNORED),
    (11, "building", 2),
    (12, "wall", 3),
    (13, "fence", 4),
    (14, "guard rail", IGNORED),
    (15, "bridge", IGNORED),
    (16, "tunnel", IGNORED),
    (17, "pole", 5),
    (18, "polegroup", IGNORED),
    (19, "traffic light", 6),
    (20, "traffic sign", 7),
    (21, "vegetation", 8),
    (22, "terrain", 9),
    (23, "sky", 10),
    (24, "person", 11),
    (25, "rider", 12),
    (26, "car", 13),
    (27, "truck", 14),
    (28, "bus", 15),
    (29, "caravan", IGNORED),
    (30, "trailer", IGNORED),
    (31, "train", 16),
    (32, "motorcycle", 17),
    (33, "bicycle", 18),
)

#: The 19 evaluated classes, in train-id order.
TRAIN_CLASSES: list[str] = [
    name for _, name, train_id in sorted(LABELS, key=lambda row: row[2]) if train_id != IGNORED
]


def train_id_table() -> np.ndarray:
    """A 256-entry lookup table: ``table[label_id]`` is the train id (255 when ignored)."""
    table = np.full(256, IGNORED, dtype=np.uint8)
    for label_id, _, train_id in LABELS:
        table[label_id] = train_id
    return table

"""Semantic segmentation as a second task type: metrics, models, training, oracle answers.

Importing the package registers every segmentation model (the small FCN in
:mod:`~palsim.segmentation.models`, DeepLabV3 in :mod:`~palsim.segmentation.deeplab`).
"""

from palsim.segmentation import deeplab as deeplab

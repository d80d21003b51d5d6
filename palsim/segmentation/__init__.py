"""Semantic segmentation as a second task type: metrics, models, training, oracle answers."""

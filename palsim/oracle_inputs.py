"""Per-sample inputs that oracles ask for (``Oracle.sample_inputs``), computed by the engine.

``oracles`` never imports torch: a model that needs the images or a reference classifier's
probabilities names them, and :func:`supply_inputs` computes each from the dataset, turns it
into numpy and hands it over. Every oracle goes through the same call; the providers are the
registry below, one per input name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from oracles import Oracle
from oracles.base import SampleInput
from palsim.datasets import Dataset
from palsim.models import MODELS
from palsim.reference import DEFAULT_MODEL, reference_probabilities
from palsim.registry import Registry


@dataclass(frozen=True)
class InputRequest:
    """What a provider gets: the dataset, the request's options and the run's settings."""

    dataset: Dataset
    options: dict[str, str]  # from SampleInput.options
    noise_seed: int  # the run's oracle noise seed
    device: torch.device  # where any network is trained


#: A provider returns the array and, optionally, one line worth telling the user.
Provider = Callable[[InputRequest], tuple[np.ndarray, str | None]]
SAMPLE_INPUTS: Registry[Provider] = Registry("oracle input")


@SAMPLE_INPUTS.register("train-labels", "true class of every training image, (N,)")
def _train_labels(request: InputRequest) -> tuple[np.ndarray, str | None]:
    return request.dataset.train_labels.numpy().astype(np.int64), None


@SAMPLE_INPUTS.register("train-images", "uint8 training images, flattened, (N, C*H*W)")
def _train_images(request: InputRequest) -> tuple[np.ndarray, str | None]:
    images = request.dataset.train_images
    return images.reshape(len(images), -1).numpy(), None


@SAMPLE_INPUTS.register(
    "reference-probabilities", "a reference classifier's out-of-fold probabilities, (N, K)"
)
def _reference(request: InputRequest) -> tuple[np.ndarray, str | None]:
    model = request.options.get("model", DEFAULT_MODEL)
    MODELS.get(model)  # an unknown name is a usage error naming the choices
    train = int(request.options["train"]) if "train" in request.options else None
    reference = reference_probabilities(
        request.dataset, request.noise_seed, model, train, request.device
    )
    return reference.probabilities, reference.describe(model)


def supply_inputs(
    oracle: Oracle, dataset: Dataset, noise_seed: int, device: torch.device
) -> list[str]:
    """Compute what ``oracle`` asks for and supply it; returns lines for the user."""
    inputs: dict[str, np.ndarray] = {}
    notes: list[str] = []
    wanted: list[SampleInput] = oracle.sample_inputs()
    for want in wanted:
        provider = SAMPLE_INPUTS.get(want.name)
        array, note = provider(InputRequest(dataset, dict(want.options), noise_seed, device))
        inputs[want.name] = array
        if note:
            notes.append(note)
    oracle.supply(inputs, noise_seed)
    return notes

import pytest
import torch

from palsim.models import MODELS, build_model, channel_stats, choose_model
from palsim.train import seeded


@pytest.mark.parametrize("name", MODELS.names())
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_models_take_uint8_and_return_logits_and_embeddings(name, shape) -> None:
    model = build_model(name, shape[0], 7, [0.5] * shape[0], [0.25] * shape[0]).eval()
    images = torch.randint(0, 256, (3, *shape), dtype=torch.uint8)
    with torch.no_grad():
        logits, features = model(images), model.embed(images)
    assert logits.shape == (3, 7)
    assert features.shape == (3, model.embedding_dim)


def test_same_seed_builds_the_same_weights() -> None:
    def weights(seed: int) -> torch.Tensor:
        with seeded(seed):
            model = build_model("small-cnn", 1, 10, [0.5], [0.5])
        return torch.cat([p.flatten() for p in model.parameters()])

    assert torch.equal(weights(1), weights(1))
    assert not torch.equal(weights(1), weights(2))


def test_choose_model_by_image_size_and_preset() -> None:
    assert choose_model("auto", (1, 28, 28), "paper") == "small-cnn"
    assert choose_model("auto", (3, 32, 32), "paper") == "resnet18"
    assert choose_model("auto", (3, 32, 32), "quick") == "small-cnn"
    assert choose_model("resnet18", (1, 28, 28), "quick") == "resnet18"
    with pytest.raises(ValueError, match="unknown model 'vgg'"):
        choose_model("vgg", (1, 28, 28), "quick")


def test_channel_stats_in_unit_range() -> None:
    images = torch.zeros(4, 2, 5, 5, dtype=torch.uint8)
    images[:, 1] = 255
    mean, std = channel_stats(images)
    assert mean == [0.0, 1.0]
    assert std[0] == pytest.approx(1e-3)

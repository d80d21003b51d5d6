import pytest
import torch

from palsim.events import Event
from palsim.models import build_model
from palsim.strategies.vaal import VAE, VaalStrategy, to_signed_unit, unlabeled_score, vae_loss
from tests.palsim.strategies.contexts import tiny_context

TINY = {"epochs": "1", "width": "4", "latent_dim": "4", "batch_size": "8"}


def test_images_map_to_signed_unit_range_padded_to_a_power_of_two() -> None:
    images = torch.tensor([[[[0, 255], [255, 0]]]], dtype=torch.uint8).expand(1, 1, 2, 2)
    out = to_signed_unit(images.repeat(1, 1, 14, 14), depth=3)  # 28 x 28 -> 32 x 32
    assert out.shape == (1, 1, 32, 32)
    assert out.min() == -1.0 and out.max() == 1.0
    assert (out[..., :2, :] == -1.0).all()  # the padding is black


def test_unlabeled_score_is_one_minus_the_labeled_probability() -> None:
    scores = unlabeled_score(torch.tensor([0.0, 5.0, -5.0]))
    assert scores[0] == pytest.approx(0.5)
    assert scores[2] > scores[0] > scores[1]


def test_vae_loss_is_zero_for_a_perfect_reconstruction_with_a_standard_normal_posterior() -> None:
    images = torch.rand(3, 1, 4, 4)
    zero = vae_loss(images, images, torch.zeros(3, 2), torch.zeros(3, 2), beta=1.0)
    assert float(zero) == pytest.approx(0.0, abs=1e-7)
    shifted = vae_loss(images, images, torch.ones(3, 2), torch.zeros(3, 2), beta=1.0)
    assert float(shifted) == pytest.approx(0.5 * 2 / 16)  # KL = |mu|^2 / 2 per sample, per pixel


def test_vae_reconstructs_the_input_shape() -> None:
    vae = VAE(3, 32, (4, 8), latent_dim=5)
    decoded, mean, log_variance = vae(torch.zeros(2, 3, 32, 32))
    assert decoded.shape == (2, 3, 32, 32) and mean.shape == log_variance.shape == (2, 5)


def test_select_returns_budget_distinct_unlabeled_indices_deterministically() -> None:
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25]).eval()
    events: list[Event] = []
    context = tiny_context(model, seed=3)
    context.emit = events.append
    first = VaalStrategy(TINY).select(context, budget=6)
    again = VaalStrategy(TINY).select(tiny_context(model, seed=3), budget=6)
    other = VaalStrategy(TINY).select(tiny_context(model, seed=4), budget=6)
    assert len(set(first.indices.tolist())) == 6
    assert set(first.indices.tolist()) <= set(context.unlabeled.tolist())
    assert first.indices.tolist() == again.indices.tolist()
    assert first.indices.tolist() != other.indices.tolist()
    assert first.scores is not None and torch.equal(first.scores, again.scores)
    assert [(e["event"], e["phase"]) for e in events] == [("phase", "vaal"), ("epoch", "vaal")]
    assert events[1]["epoch"] == 1 and events[1]["epochs"] == 1


def test_select_prefers_images_unlike_the_labeled_set() -> None:
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25]).eval()
    context = tiny_context(model, seed=0, pool=40, labeled=10)
    noise = torch.randint(
        0, 30, context.pool_images.shape, generator=torch.Generator().manual_seed(1)
    )
    bright = (200 + noise).to(torch.uint8)
    dark = noise.to(torch.uint8)
    # Labeled: bright; unlabeled: 15 bright like them, then 15 dark ones never seen labeled.
    context.pool_images = torch.cat([bright[:25], dark[25:]])
    options = {**TINY, "epochs": "6", "width": "8", "latent_dim": "8"}
    selection = VaalStrategy(options).select(context, budget=10)
    assert sum(int(index) >= 25 for index in selection.indices) >= 8


def test_select_reports_the_discriminator_loss_against_chance() -> None:
    from palsim.diagnostics import BINARY_CHANCE_LOSS
    from palsim.strategies.vaal import CHANCE_SHARE

    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25]).eval()
    selection = VaalStrategy(TINY).select(tiny_context(model, seed=3), budget=6)
    loss = selection.diagnostics["vaal_discriminator_loss"]
    assert selection.diagnostics["vaal_discriminator_chance_loss"] == BINARY_CHANCE_LOSS
    assert 0.0 < loss < 5.0
    near = loss > CHANCE_SHARE * BINARY_CHANCE_LOSS
    assert bool(selection.warnings) is near

import pytest
import torch

from palsim.models import build_model
from palsim.strategies.badge import (
    BadgeStrategy,
    gradient_factors,
    gradient_squared_distances,
    gradient_squared_norms,
    kmeans_plus_plus,
)
from tests.palsim.strategies.contexts import tiny_context


def explicit_embeddings(probabilities: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """The K*D gradient embeddings, materialised: (p - onehot(argmax)) outer h."""
    hallucinated = torch.eye(probabilities.shape[1])[probabilities.argmax(dim=1)]
    return torch.einsum("nk,nd->nkd", probabilities - hallucinated, features).flatten(1)


def random_factors(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(count, 5, generator=generator, dtype=torch.float64)
    features = torch.randn(count, 7, generator=generator, dtype=torch.float64)
    return logits.softmax(dim=1), features


def test_identity_distances_equal_those_of_materialised_gradient_embeddings() -> None:
    probabilities, features = random_factors(30, seed=0)
    factor_a, factor_h = gradient_factors(probabilities, features)
    explicit = explicit_embeddings(probabilities, features)
    centers = torch.tensor([0, 4, 17, 29])
    expected = torch.cdist(explicit, explicit[centers]).square()
    assert torch.allclose(gradient_squared_distances(factor_a, factor_h, centers), expected)
    assert torch.allclose(gradient_squared_norms(factor_a, factor_h), explicit.square().sum(1))


def test_the_gradient_factor_is_zero_for_a_certain_prediction() -> None:
    factor_a, _ = gradient_factors(torch.tensor([[1.0, 0.0], [0.5, 0.5]]), torch.ones(2, 3))
    assert factor_a.tolist() == [[0.0, 0.0], [-0.5, 0.5]]


def test_kmeans_plus_plus_starts_from_the_largest_gradient_and_picks_distinct_points() -> None:
    probabilities, features = random_factors(25, seed=1)
    factor_a, factor_h = gradient_factors(probabilities, features)
    chosen, weights = kmeans_plus_plus(factor_a, factor_h, 25, torch.Generator().manual_seed(0))
    norms = gradient_squared_norms(factor_a, factor_h)
    assert int(chosen[0]) == int(norms.argmax())
    assert weights[0] == pytest.approx(float(norms.max()), rel=1e-5)
    assert sorted(chosen.tolist()) == list(range(25))  # all of them, each once


def test_kmeans_plus_plus_prefers_far_points() -> None:
    # Eight points close to the largest gradient (the first pick, row 8) and one far point
    # with a smaller gradient: after the first pick, the far point holds ~99% of the D^2 mass.
    factor_h = torch.ones(10, 2)
    factor_a = torch.tensor([[-0.85, 0.85]] * 8 + [[-0.9, 0.9], [0.5, -0.5]])
    factor_a[:8, 0] += torch.linspace(0, 0.02, 8)
    far_second = 0
    for seed in range(50):
        chosen, _ = kmeans_plus_plus(factor_a, factor_h, 2, torch.Generator().manual_seed(seed))
        assert int(chosen[0]) == 8
        far_second += int(chosen[1]) == 9
    assert far_second >= 45


def test_kmeans_plus_plus_is_deterministic_for_a_generator_seed() -> None:
    factor_a, factor_h = gradient_factors(*random_factors(40, seed=2))
    runs = [
        kmeans_plus_plus(factor_a, factor_h, 10, torch.Generator().manual_seed(s))[0]
        for s in (5, 5, 6)
    ]
    assert runs[0].tolist() == runs[1].tolist()
    assert runs[0].tolist() != runs[2].tolist()


def test_duplicates_are_each_drawn_at_most_once() -> None:
    factor_a, factor_h = torch.ones(6, 3), torch.ones(6, 4)  # six identical gradients
    chosen, _ = kmeans_plus_plus(factor_a, factor_h, 6, torch.Generator().manual_seed(0))
    assert sorted(chosen.tolist()) == list(range(6))


def test_strategy_returns_distinct_unlabeled_pool_positions() -> None:
    torch.manual_seed(0)
    model = build_model("small-cnn", 1, 4, [0.5], [0.25]).eval()
    context = tiny_context(model, seed=1)
    selection = BadgeStrategy().select(context, budget=8)
    assert len(set(selection.indices.tolist())) == 8
    assert set(selection.indices.tolist()) <= set(context.unlabeled.tolist())
    again = BadgeStrategy().select(tiny_context(model, seed=1), budget=8)
    assert selection.indices.tolist() == again.indices.tolist()

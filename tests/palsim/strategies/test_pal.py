import json
import math

import pytest
import torch
from typer.testing import CliRunner

from palsim.events import Event, EventName, read_events
from palsim.models import SmallCNN
from palsim.strategies import load_all
from palsim.strategies.base import QueryContext, TrainSettings
from palsim.strategies.pal import PalStrategy, select_in_subqueries
from palsim.strategies.pal_scorer import build_scorer, rotate_all, rotation_targets
from palsim.strategies.pal_scores import class_score, rotation_score, subquery_sizes
from palsim.train import fold_batchnorm
from tests.conftest import requires_fashion_mnist, tiny_study_args

# --- scores on hand-made logits -------------------------------------------------------------


def test_rotation_score_ranks_an_untellable_rotation_above_a_recognised_one() -> None:
    untellable = torch.zeros(4, 4)  # uniform over rotations, whatever was applied
    recognised = 100.0 * torch.eye(4)  # the applied rotation, with certainty
    wrong = 100.0 * torch.eye(4).roll(1, dims=1)  # always another rotation
    scores = rotation_score(torch.stack([untellable, recognised, wrong]))
    assert scores.tolist() == pytest.approx([-1.0, -4.0, 0.0])
    assert scores[0] > scores[1]


def test_rotation_score_rejects_a_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"\(N, 4, 4\)"):
        rotation_score(torch.zeros(3, 4))


def test_class_score_is_zero_for_uniform_and_minus_kl_in_bits_otherwise() -> None:
    p = torch.tensor([[0.8, 0.2], [0.5, 0.5]])
    scores = class_score(p.log())
    # KL(U || (0.8, 0.2)) = 0.5 log2(0.5/0.8) + 0.5 log2(0.5/0.2), by hand.
    by_hand = 0.5 * math.log2(0.5 / 0.8) + 0.5 * math.log2(0.5 / 0.2)
    assert scores.tolist() == pytest.approx([-by_hand, 0.0], abs=1e-6)
    four = class_score(torch.tensor([[0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0], [1.0, 2, 3, 4]]))
    assert four[0] == pytest.approx(0.0, abs=1e-6)
    assert (four[1:] < 0).all()


def test_budget_splits_into_subqueries_with_a_smaller_remainder() -> None:
    assert subquery_sizes(10, 4) == [4, 4, 2]
    assert subquery_sizes(8, 4) == [4, 4]
    assert subquery_sizes(3, 4) == [3]
    assert subquery_sizes(0, 4) == []


# --- sub-queries with a stub fine-tuned scorer ----------------------------------------------


def test_subqueries_pick_other_samples_than_one_big_top_k_when_the_finetuned_scorer_changes() -> (
    None
):
    first_round = torch.tensor([10.0, 9.0, 8.0, 7.0, 6.0, 5.0])
    # Samples 2 and 3 duplicate 0 and 1: once those are picked, the fine-tuned copy
    # recognises their rotation (S_D = -4); samples 4 and 5 stay novel (S_D = 0).
    finetuned_on: list[list[int]] = []
    asked: list[int] = []

    def diversity(picked: torch.Tensor):  # type: ignore[no-untyped-def]
        finetuned_on.append(picked.tolist())
        duplicates = {2: 0, 3: 1}

        def score(candidates: torch.Tensor) -> torch.Tensor:
            asked.extend(candidates.tolist())
            return torch.tensor(
                [-4.0 if duplicates.get(c) in picked.tolist() else 0.0 for c in candidates.tolist()]
            )

        return score

    positions, scores, counts = select_in_subqueries(first_round, [2, 2], 1.0, diversity)
    assert positions.tolist() == [0, 1, 4, 5]
    # One plain top-4 of first_round would have taken [0, 1, 2, 3].
    assert finetuned_on == [[0, 1]]
    # Best cached score first: 2 and 3 fall to 4 and 3, 4 (6) and 5 (5) beat them; nothing
    # is left whose cached score could still reach 5.
    assert asked == [2, 3, 4, 5]
    assert counts == {"rescored": [0, 4], "fewest": [0, 4]}
    assert scores.tolist() == [10.0, 9.0, 6.0, 5.0]


def brute_force(
    first_round: torch.Tensor, sizes: list[int], lambda_div: float, novelty: torch.Tensor
) -> tuple[list[int], list[int]]:
    """Every remaining sample re-scored in every later sub-query; also the exact minimum of
    re-scorings: the candidates whose cached score plus the bound reaches the k-th best."""
    expected: list[int] = []
    minimum: list[int] = []
    available = torch.ones(len(first_round), dtype=torch.bool)
    # S_D <= 0; a negative weight makes it a bonus of up to 4|lambda_div| (+1e-3 rounding room)
    bound = -4 * lambda_div + 1e-3 if lambda_div < 0 else 0.0
    for round_number, size in enumerate(sizes):
        candidates = torch.nonzero(available).flatten()
        scores = first_round[candidates]
        if round_number:
            bonus = (novelty[candidates] - 0.001 * len(expected)).clamp(min=-4)
            scores = lambda_div * bonus + scores
        order = torch.argsort(scores, descending=True, stable=True)[:size]
        kth_best = scores[order[-1]]
        reach = int((first_round[candidates] + bound >= kth_best).sum())
        minimum.append(max(size, reach) if round_number else 0)
        expected += candidates[order].tolist()
        available[candidates[order]] = False
    return expected, minimum


@pytest.mark.parametrize("lambda_div", [1.0, 0.5, 3.0, -1.0])
@pytest.mark.parametrize("spread", [4.0, 0.3])
def test_lazy_rescoring_picks_as_brute_force_with_near_minimal_rescorings(
    lambda_div: float, spread: float
) -> None:
    generator = torch.Generator().manual_seed(0)
    first_round = torch.randn(3000, generator=generator) * spread
    novelty = -4 * torch.rand(3000, generator=generator)  # a fixed S_D per sample
    sizes = [125, 125, 125, 125]
    asked: list[int] = []

    def diversity(picked: torch.Tensor):  # type: ignore[no-untyped-def]
        def score(candidates: torch.Tensor) -> torch.Tensor:
            asked.extend(candidates.tolist())
            # S_D in [-4, 0], different in every sub-query
            return (novelty[candidates] - 0.001 * len(picked)).clamp(min=-4)

        return score

    positions, _, counts = select_in_subqueries(first_round, sizes, lambda_div, diversity)
    expected, minimum = brute_force(first_round, sizes, lambda_div, novelty)
    assert positions.tolist() == expected
    assert counts["fewest"] == minimum
    rescored = counts["rescored"]
    assert rescored[0] == 0 and sum(rescored) == len(asked)
    for count, least in zip(rescored[1:], minimum[1:], strict=True):
        assert least <= count <= 1.1 * least
    if lambda_div > 0 and spread > 1:
        assert sum(rescored) < 0.5 * 3 * (3000 - 250)  # far fewer than brute force


def test_ties_at_the_kth_best_go_to_the_lower_position_as_in_a_stable_sort() -> None:
    first_round = torch.tensor([5.0, 1.0, 3.0, 3.0, 3.0])

    def diversity(picked: torch.Tensor):  # type: ignore[no-untyped-def]
        return lambda candidates: torch.zeros(len(candidates))

    positions, _, _ = select_in_subqueries(first_round, [1, 2], 1.0, diversity)
    assert positions.tolist() == [0, 2, 3]


def test_without_diversity_weight_subqueries_equal_one_top_k() -> None:
    def never(picked: torch.Tensor):  # type: ignore[no-untyped-def]
        raise AssertionError("no fine-tuning when lambda_div is 0")

    positions, _, counts = select_in_subqueries(
        torch.tensor([1.0, 5.0, 3.0, 4.0]), [2, 1], 0.0, never
    )
    assert positions.tolist() == [1, 3, 2]
    assert counts == {"rescored": [0, 0], "fewest": [0, 0]}


# --- the scoring network ----------------------------------------------------------------------


def test_rotate_all_is_rotation_major_and_labelled() -> None:
    images = torch.arange(2 * 1 * 3 * 3, dtype=torch.uint8).view(2, 1, 3, 3)
    rotated = rotate_all(images)
    assert rotated.shape == (8, 1, 3, 3)
    assert torch.equal(rotated[2:4], torch.rot90(images, 1, dims=(2, 3)))
    assert torch.equal(rotated[6:8], torch.rot90(images, 3, dims=(2, 3)))
    assert rotation_targets(2, torch.device("cpu")).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize("backbone", ["small-cnn", "resnet18"])
def test_folded_batchnorm_gives_the_same_features(backbone: str) -> None:
    torch.manual_seed(0)
    scorer = build_scorer(backbone, 3, 5, [0.5] * 3, [0.25] * 3, width=4)
    images = torch.randint(0, 256, (6, 3, 16, 16), dtype=torch.uint8)
    scorer.train()
    scorer(images)  # non-trivial running statistics
    scorer.eval()
    with torch.no_grad():
        assert torch.allclose(fold_batchnorm(scorer)(images), scorer(images), atol=1e-4)


# --- the strategy -----------------------------------------------------------------------------


def make_context(
    pool: int = 160, labeled: int = 40, seed: int = 0, events: list[Event] | None = None
) -> QueryContext:
    generator = torch.Generator().manual_seed(123)
    images = torch.randint(0, 256, (pool, 1, 28, 28), dtype=torch.uint8, generator=generator)
    images[: pool // 2, :, :, :14] = 0  # some structure: half the pool is dark on the left
    labels = torch.randint(0, 3, (labeled,), generator=generator)
    sink = events.append if events is not None else (lambda event: None)
    return QueryContext(
        cycle=0,
        pool_images=images,
        labeled=torch.arange(labeled),
        labels=labels,
        unlabeled=torch.arange(labeled, pool),
        model=torch.nn.Identity(),
        num_classes=3,
        device=torch.device("cpu"),
        generator=torch.Generator().manual_seed(seed),
        seed=seed,
        train=TrainSettings(1, 16, 0.05, 64, False),
        preset="quick",
        emit=sink,
    )


TINY = {"epochs": "1", "width": "4", "finetune_epochs": "1", "batch_size": "16"}


def test_pal_is_registered() -> None:
    assert load_all().get("pal") is PalStrategy


def test_select_returns_budget_distinct_unlabeled_indices_with_a_remainder_subquery() -> None:
    events: list[Event] = []
    context = make_context(events=events)
    selection = PalStrategy({**TINY, "subquery_size": "4"}).select(context, 10)
    chosen = selection.indices.tolist()
    assert len(chosen) == 10 and len(set(chosen)) == 10
    assert set(chosen) <= set(context.unlabeled.tolist())
    assert selection.scores is not None and len(selection.scores) == 10
    phases = [e["phase"] for e in events if e["event"] == EventName.PHASE]
    # 4 + 4 + 2: the scorer, the first scoring, then fine-tune and score before sub-queries 2, 3.
    assert phases == ["scorer", "score", "finetune", "score", "finetune", "score"]
    assert [e["epoch"] for e in events if e["event"] == EventName.EPOCH] == [1]
    assert all(e["phase"] == "scorer" for e in events if e["event"] == EventName.EPOCH)


def test_select_is_deterministic_for_a_seed() -> None:
    options = {**TINY, "subquery_size": "5"}
    first = PalStrategy(options).select(make_context(seed=7), 10).indices.tolist()
    again = PalStrategy(options).select(make_context(seed=7), 10).indices.tolist()
    other = PalStrategy(options).select(make_context(seed=8), 10).indices.tolist()
    assert first == again
    assert first != other


def test_batches_of_one_do_not_break() -> None:
    # 41 labeled at batch 4: a last training batch of one; scoring one image at a time;
    # sub-queries of one, so the first fine-tuning sees a single sample.
    context = make_context(pool=46, labeled=41)
    options = {**TINY, "batch_size": "4", "score_batch_size": "1", "subquery_size": "1"}
    selection = PalStrategy(options).select(context, 2)
    assert len(set(selection.indices.tolist())) == 2


def test_unknown_backbone_is_refused_when_the_options_are_parsed() -> None:
    with pytest.raises(ValueError, match="backbone 'vgg'; choose one of: auto, small-cnn, resn"):
        PalStrategy({**TINY, "backbone": "vgg"})


@pytest.mark.parametrize(("width", "features"), [(0, 128), (4, 16)])
def test_scorer_backbone_comes_from_the_model_registry(width: int, features: int) -> None:
    scorer = build_scorer("small-cnn", 1, 5, [0.5], [0.25], width=width)
    assert isinstance(scorer.backbone, SmallCNN)
    assert scorer.rotation_head.in_features == scorer.class_head.in_features == features


@requires_fashion_mnist
def test_palsim_run_with_pal_through_the_cli(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from palsim.cli import app

    arguments = tiny_study_args(
        tmp_path, "pal", strategy="pal", pool_size=400, initial=60, budget=40, cycles=2, epochs=1
    )
    result = CliRunner().invoke(app, ["run", *arguments, "-S", "epochs=1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [cycle["labeled"] for cycle in summary["cycles"]] == [60, 100]
    events = read_events(tmp_path / "pal")
    phases = {e["phase"] for e in events if e["event"] == EventName.PHASE}
    assert {"scorer", "score", "finetune"} <= phases


def test_select_reports_the_scorers_diagnostics() -> None:
    selection = PalStrategy({**TINY, "subquery_size": "4"}).select(make_context(), 10)
    values = dict(selection.diagnostics)
    for key in (
        "pal_rotation_accuracy_labeled",
        "pal_rotation_accuracy_pool",
        "pal_class_accuracy_labeled",
    ):
        assert 0.0 <= values[key] <= 1.0
    assert len(values["pal_rotation_accuracy_pool_by_class"]) == 3  # one entry per class
    # Sub-queries 2 and 3 were preceded by fine-tuning: its shifts are reported.
    assert {"pal_finetune_shift_picked", "pal_finetune_shift_rest"} <= set(values)
    # One epoch on 40 random images cannot tell rotations apart: the warning says so.
    if values["pal_rotation_accuracy_labeled"] < 0.4375:
        assert any("rotation accuracy" in line for line in selection.warnings)


def test_finetuning_steps_reach_their_floor_and_lower_the_picked_samples_scores() -> None:
    """The authors' 5 epochs at 0.1 x lr are 5 steps on 8 picked samples and leave S_D where
    S_S was (measured: +0.0005); 200 steps at the full lr make the picked samples easier to
    rotate for the fine-tuned copy (measured: -0.023)."""
    base = {**TINY, "epochs": "3", "subquery_size": "8"}
    authors = {**base, "finetune_steps": "1", "finetune_lr_scale": "0.1"}
    longer = {**base, "finetune_steps": "200", "finetune_lr_scale": "1.0"}
    barely = PalStrategy(authors).select(make_context(), 16).diagnostics
    moved = PalStrategy(longer).select(make_context(), 16).diagnostics
    assert abs(barely["pal_finetune_shift_picked"]) < 0.005
    assert moved["pal_finetune_shift_picked"] < -0.01

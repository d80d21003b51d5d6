"""PAL, Pretext-based Active Learning: a separate scoring network chooses the query.

Each cycle:

1. Train a scoring network (backbone + rotation head + class head) from scratch on the
   labeled set: CE(rotation, all 4 rotations) + CE(class, upright image).
2. Score the unlabeled pool: S = lambda_rot * S_S + lambda_kl * S_C; the top
   ``subquery_size`` form the first sub-query. S is cached.
3. Split the rest of the budget into sub-queries of ``subquery_size`` (the remainder a last,
   smaller one). Before each, fine-tune a copy of the cycle's scorer with the rotation loss only
   on every sample picked so far this cycle, and rank the rest by
   lambda_div * S_D + (cached S), S_D being S_S under that copy. Samples like those already
   picked become easy to rotate and drop, so the query is diverse without using labels.

This is PAL with the rotation pretext on classification. Segmentation, and the contrastive
pretext on either task, take one round without sub-queries (:mod:`pal_one_round`), as the
authors' Cityscapes code; ``-S pretext=`` chooses (:mod:`pal_options`).

See docs/pal.md for the defaults, where each comes from, and every deviation from the paper
and the authors' code.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch

from palsim.events import epoch_event, phase_event
from palsim.models import channel_stats
from palsim.seeds import derive_seed
from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy
from palsim.strategies.pal_diagnostics import FinetuneShift, scorer_diagnostics
from palsim.strategies.pal_one_round import PROBE_SIZE, select_one_round
from palsim.strategies.pal_options import PalOptions, ResolvedPal, resolve
from palsim.strategies.pal_scorer import (
    PalScorer,
    build_scorer,
    finetune_rotation,
    score_rotations,
    to_device,
    train_scorer,
)
from palsim.strategies.pal_scores import (
    class_score,
    first_round_score,
    subquery_score,
    subquery_sizes,
)
from palsim.train import fold_batchnorm, seeded

#: positions into the scored pool of the samples picked so far -> a function that gives S_D
#: of candidate positions (fine-tune once per sub-query, then score candidates in chunks).
DiversityScore = Callable[[torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]


def select_in_subqueries(
    first_round: torch.Tensor, sizes: list[int], lambda_div: float, diversity: DiversityScore
) -> tuple[torch.Tensor, torch.Tensor, dict[str, list[int]]]:
    """Positions into ``first_round`` chosen sub-query by sub-query, their scores, and per
    sub-query how many candidates were re-scored with S_D (``rescored``; 0 for the first)
    and the fewest that any exact method must re-score (``fewest``).

    The first sub-query takes the top of ``first_round``; each later one ranks the samples
    not yet picked by ``lambda_div * S_D + first_round`` (:func:`rescore_lazily`).
    """
    available = torch.ones(len(first_round), dtype=torch.bool, device=first_round.device)
    picked: list[torch.Tensor] = []
    picked_scores: list[torch.Tensor] = []
    counts: dict[str, list[int]] = {"rescored": [], "fewest": []}
    for size in sizes:
        candidates = torch.nonzero(available).flatten()
        if picked and lambda_div != 0 and len(candidates) > 0:
            chosen, scores, count, fewest = rescore_lazily(
                first_round, candidates, size, lambda_div, diversity(torch.cat(picked))
            )
        else:
            order = torch.argsort(first_round[candidates], descending=True, stable=True)[:size]
            chosen, scores, count, fewest = candidates[order], first_round[candidates[order]], 0, 0
        picked.append(chosen)
        picked_scores.append(scores)
        counts["rescored"].append(count)
        counts["fewest"].append(fewest)
        available[chosen] = False
    if not picked:
        return first_round.new_empty(0, dtype=torch.long), first_round.new_empty(0), counts
    return torch.cat(picked), torch.cat(picked_scores), counts


def rescore_lazily(
    first_round: torch.Tensor,
    candidates: torch.Tensor,
    size: int,
    lambda_div: float,
    diversity: Callable[[torch.Tensor], torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor, int, int]:
    """The top ``size`` candidates by ``lambda_div * diversity(i) + first_round[i]``, asking
    ``diversity`` about as few of them as possible; returns (positions, scores, number
    re-scored, the fewest re-scorings that can prove this choice).

    S_D lies in [-4, 0], so a sample's final score is at most ``first_round + bound`` (bound
    0 for lambda_div > 0). Candidates are re-scored in the order of their cached score; once
    the next one's upper bound is below the ``size``-th best exact score, no later one can
    enter, and the choice equals the brute-force one over all candidates (ties to the lower
    position, as a stable sort gives). Chunks of about a tenth of ``size`` keep the re-scored
    count within 1.1x of the exact minimum while forward passes stay batched.
    """
    # A negative weight turns S_D into a bonus of up to 4|lambda_div| (1e-3: rounding room in
    # S_D's sum of four probabilities; for a positive weight -sum(p) <= 0 holds exactly).
    bound = 4 * -lambda_div + 1e-3 if lambda_div < 0 else 0.0
    order = candidates[torch.argsort(first_round[candidates], descending=True, stable=True)]
    upper = first_round[order] + bound
    chunk = max(1, math.ceil(size / 10))
    done = 0
    exact = first_round.new_empty(0)
    while done < len(order):
        if done >= size:
            kth_best = exact.topk(size).values[-1]
            reachable = int(torch.count_nonzero(upper[done:] >= kth_best))
            if reachable == 0:
                break
            step = min(chunk, reachable)
        else:
            step = size
        positions = order[done : done + step]
        scores = subquery_score(diversity(positions), first_round[positions], lambda_div)
        exact = torch.cat([exact, scores])
        done += len(positions)
    seen = order[:done]
    # Ties break by position, as in a stable sort over all candidates: sort positions first.
    by_position = torch.argsort(seen, stable=True)
    seen, exact = seen[by_position], exact[by_position]
    best = torch.argsort(exact, descending=True, stable=True)[:size]
    # The least any exact method re-scores: every candidate whose cached score plus the bound
    # reaches the final k-th best (none of those can be ruled out unseen).
    reaching = int(torch.count_nonzero(upper >= exact[best[-1]])) if len(best) else 0
    return seen[best], exact[best], done, max(len(best), reaching)


@STRATEGIES.register(
    "pal", "PAL: scoring network with a pretext task (rotation, or contrastive on segmentation)"
)
class PalStrategy(Strategy):
    """Pretext-based Active Learning with a separately trained scoring network.

    References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
    arXiv 2010.15947.
    """

    reference = "Bhatnagar, Goyal, Tank, Sethi, BMVC 2021, arXiv 2010.15947"

    Options = PalOptions
    tasks = ("classification", "segmentation")

    def check_task(self, task: str) -> None:
        self.options.check_task(task)

    def check_images(self, task: str, shape: tuple[int, ...]) -> None:
        self.options.check_images(task, shape)

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        options: PalOptions = self.options
        options.check_task("segmentation" if ctx.masks is not None else "classification")
        settings = resolve(options, ctx, budget)
        if ctx.masks is not None or settings.pretext != "rotation":
            return select_one_round(ctx, options, settings, budget)
        pool, unlabeled = ctx.pool_images, ctx.unlabeled

        # 1. Train the scoring network from scratch on the labeled set (oracle labels).
        scorer = self._train(ctx, settings)
        # A fixed, evenly spaced sample of the pool (labeled or not): comparable across cycles.
        probe = torch.linspace(0, len(pool) - 1, min(PROBE_SIZE, len(pool)), device=pool.device)
        batch = settings.score_batch_size
        diagnostics, warnings = scorer_diagnostics(
            scorer, pool, ctx.labeled, ctx.labels, probe.long(), batch
        )

        # 2. Score the unlabeled pool; cache the first-round score.
        self._phase(ctx, "score", f"{len(unlabeled)} unlabeled x 4 rotations")
        rotation, class_logits = score_rotations(scorer, pool, unlabeled, settings.score_batch_size)
        assert class_logits is not None
        first_round = first_round_score(
            rotation, class_score(class_logits), options.lambda_rot, options.lambda_kl
        )

        # 3. Sub-queries; before each later one, fine-tune a copy on everything picked so far.
        sizes = subquery_sizes(budget, settings.subquery_size)
        shift = FinetuneShift()

        def diversity(picked: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
            round_number = len(picked)
            self._phase(ctx, "finetune", f"rotation head path on {len(picked)} picked samples")
            finetuned = copy.deepcopy(scorer)
            generator = torch.Generator().manual_seed(
                derive_seed(ctx.seed, round_number, "pal-finetune")
            )
            with seeded(derive_seed(ctx.seed, round_number, "pal-finetune-torch")):
                finetune_rotation(finetuned, pool, unlabeled[picked], settings.training, generator)
            self._phase(ctx, "score", "S_D of the candidates that can still enter, best first")
            inference = fold_batchnorm(finetuned)
            assert isinstance(inference, PalScorer)
            picked_scores, _ = score_rotations(
                inference, pool, unlabeled[picked], batch, with_classes=False, folded=True
            )
            shift.add(picked_scores - rotation[picked], rotation.new_empty(0))

            def score(candidates: torch.Tensor) -> torch.Tensor:
                scores, _ = score_rotations(
                    inference,
                    pool,
                    unlabeled[candidates],
                    settings.score_batch_size,
                    with_classes=False,
                    folded=True,
                )
                shift.add(rotation.new_empty(0), scores - rotation[candidates])
                return scores

            return score

        positions, scores, counts = select_in_subqueries(
            first_round, sizes, settings.lambda_div, diversity
        )
        # Small on purpose: two counts per sub-query, for the query event.
        diagnostics.update(pal_rescored=counts["rescored"], pal_fewest_rescored=counts["fewest"])
        diagnostics.update(shift.summary())
        return Selection(unlabeled[positions], scores, diagnostics, tuple(warnings))

    def _train(self, ctx: QueryContext, settings: ResolvedPal) -> PalScorer:
        training = settings.training
        labeled = ctx.labeled
        self._phase(ctx, "scorer", f"{settings.backbone} on {len(labeled)} x 4 rotations")
        mean, std = channel_stats(ctx.pool_images)

        def on_epoch(epoch: int, epochs: int, loss: float) -> None:
            ctx.emit(
                epoch_event(cycle=ctx.cycle, phase="scorer", epoch=epoch, epochs=epochs, loss=loss)
            )

        generator = torch.Generator().manual_seed(derive_seed(ctx.seed, 0, "pal-batches"))
        with seeded(derive_seed(ctx.seed, 0, "pal-scorer")):
            network = build_scorer(
                settings.backbone,
                ctx.pool_images.shape[1],
                ctx.num_classes,
                mean,
                std,
                settings.width,
            )
            scorer = to_device(network, ctx.device)
            assert isinstance(scorer, PalScorer)
            unlabeled = ctx.unlabeled if self.options.ssl_data == "pool" else None
            train_scorer(
                scorer,
                ctx.pool_images,
                labeled,
                ctx.labels,
                training,
                generator,
                on_epoch,
                unlabeled,
            )
        return scorer

    @staticmethod
    def _phase(ctx: QueryContext, phase: str, detail: str) -> None:
        ctx.emit(phase_event(cycle=ctx.cycle, phase=phase, detail=detail))

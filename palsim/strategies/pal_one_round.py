"""PAL's query in one round: the authors' Cityscapes variant, for any task and pretext.

Used for segmentation (either pretext) and for classification with the contrastive pretext;
classification with rotation keeps PAL's sub-queries (:mod:`palsim.strategies.pal`).

1. Build a scorer from scratch (seeded): on segmentation, the task model's registered
   network (:mod:`pal_segmentation`); on classification, PAL's backbone + heads.
2. Train it on the labeled set with the oracle's answers: task CE + pretext loss.
3. Report its pretext and task-head accuracy (:func:`pretext_diagnostics`).
4. Score the unlabeled pool a batch at a time, S = lambda_rot S_S + lambda_kl S_C; top k.

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import torch

from palsim.events import epoch_event, phase_event
from palsim.models import channel_stats
from palsim.seeds import derive_seed
from palsim.strategies.base import QueryContext, Selection, top_k
from palsim.strategies.pal_diagnostics import pretext_diagnostics
from palsim.strategies.pal_options import PalOptions, ResolvedPal
from palsim.strategies.pal_pretext import score_pool, train_pretext_scorer
from palsim.strategies.pal_scorer import PretextScorer, build_scorer, to_device
from palsim.strategies.pal_scores import first_round_score
from palsim.strategies.pal_segmentation import build_segmentation_scorer
from palsim.train import prepare, seeded

PROBE_SIZE = 1000  # pool images whose pretext accuracy is reported each cycle


def select_one_round(
    ctx: QueryContext, options: PalOptions, settings: ResolvedPal, budget: int
) -> Selection:
    pool, unlabeled, pretext = ctx.pool_images, ctx.unlabeled, settings.pretext
    targets = ctx.masks if ctx.masks is not None else ctx.labels

    # 1-2. The scorer, trained from scratch on the labeled set.
    scorer = train_one_round_scorer(ctx, options, settings, targets)

    # 3. A fixed, evenly spaced sample of the pool (labeled or not): comparable across cycles.
    probe = torch.linspace(0, len(pool) - 1, min(PROBE_SIZE, len(pool)), device=pool.device)
    batch = settings.score_batch_size
    views = torch.Generator().manual_seed(derive_seed(ctx.seed, 0, "pal-views-probe"))
    diagnostics, warnings = pretext_diagnostics(
        scorer, pool, ctx.labeled, targets, probe.long(), pretext, batch, views, ctx.num_classes
    )

    # 4. Score the unlabeled pool (fresh views from a generator of their own) and take the top.
    how = "2 views" if pretext == "contrastive" else "4 rotations"
    ctx.emit(phase_event(cycle=ctx.cycle, phase="score", detail=f"{len(unlabeled)} x {how}"))
    views = torch.Generator().manual_seed(derive_seed(ctx.seed, 0, "pal-views-score"))
    pretext_scores, task_scores = score_pool(scorer, pool, unlabeled, pretext, batch, views)
    scores = first_round_score(pretext_scores, task_scores, options.lambda_rot, options.lambda_kl)
    chosen = top_k(scores, unlabeled, budget)
    return Selection(chosen.indices, chosen.scores, diagnostics, tuple(warnings))


def train_one_round_scorer(
    ctx: QueryContext, options: PalOptions, settings: ResolvedPal, targets: torch.Tensor
) -> PretextScorer:
    pool, labeled = ctx.pool_images, ctx.labeled
    detail = f"{settings.backbone} on {len(labeled)}, {settings.pretext} pretext"
    ctx.emit(phase_event(cycle=ctx.cycle, phase="scorer", detail=detail))
    mean, std = channel_stats(pool)

    def on_epoch(epoch: int, epochs: int, loss: float) -> None:
        ctx.emit(
            epoch_event(cycle=ctx.cycle, phase="scorer", epoch=epoch, epochs=epochs, loss=loss)
        )

    generator = torch.Generator().manual_seed(derive_seed(ctx.seed, 0, "pal-batches"))
    with seeded(derive_seed(ctx.seed, 0, "pal-scorer")):
        channels = pool.shape[1]
        if ctx.masks is not None:
            # Placed like the task model (channels_last on CUDA only), whose network it is.
            network = build_segmentation_scorer(
                settings.backbone, channels, ctx.num_classes, mean, std
            )
            scorer = prepare(network, ctx.device)
        else:
            classifier = build_scorer(
                settings.backbone, channels, ctx.num_classes, mean, std, settings.width
            )
            scorer = to_device(classifier, ctx.device)
        assert isinstance(scorer, PretextScorer)
        unlabeled = ctx.unlabeled if options.ssl_data == "pool" else None
        train_pretext_scorer(
            scorer,
            pool,
            labeled,
            targets,
            settings.pretext,
            settings.training,
            generator,
            on_epoch,
            unlabeled,
        )
    return scorer

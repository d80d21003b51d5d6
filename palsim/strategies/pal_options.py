"""PAL's options, the checks that need the task type, and each preset's defaults.

The pretext task follows the paper per task type (``auto``): rotation for classification,
contrastive for segmentation (the authors' Cityscapes code); either can be tried on either.
Sub-queries with their diversity score S_D exist for the rotation pretext on classification
only, as in the authors' code (their Cityscapes script runs with ``lambda_div`` 0).

References: Bhatnagar, Goyal, Tank, Sethi, PAL: Pretext-based Active Learning, BMVC 2021,
arXiv 2010.15947.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from palsim.models import MODELS
from palsim.segmentation.models import SEGMENTATION_MODELS
from palsim.strategies.base import QueryContext
from palsim.strategies.pal_scorer import ScorerTraining

PAPER_SUBQUERY = 512  # the authors' CIFAR-10 sub-query size
PAPER_EPOCHS = 100  # scorer epochs per cycle in the authors' CIFAR-10 code
QUICK_EPOCHS = 8  # CPU preset: passes over the labeled set, once the floor is reached
#: Scorer optimizer steps at least, per preset: the knee of the measured rotation-accuracy
#: curve (docs/training.md); on paper the authors' 100 epochs are far above it at 10% labels.
#: Never above the run's own floor (``--min-steps``; 0 there means epochs only, everywhere).
MIN_STEPS = {"quick": 400, "paper": 2000}
#: The segmentation scorer's floor, same cap. quick: the knee of its contrastive top-1
#: accuracy on a pool sample against steps, 0.87 at 150 (scripts/pal_segmentation_steps.py,
#: docs/pal.md); paper: the task model's floor.
SEGMENTATION_MIN_STEPS = {"quick": 150, "paper": 1000}
SEGMENTATION_PAPER_EPOCHS = 50  # the authors' Cityscapes rot_train_epochs
#: Scorer width per preset (0: the backbone's own). On quick, a small CNN at width 16 reaches
#: 0.90 rotation accuracy at 400 steps where width 32 reaches 0.93, at 2.5x less time per
#: cycle (docs/training.md), and scoring and fine-tuning get as much cheaper.
WIDTH = {"quick": 16, "paper": 0}
#: Fine-tuning steps at least (same cap) and its lr scale: the authors' 5 epochs at 0.1 x lr
#: are 10 to 30 steps on a quick sub-query and barely move S_D (docs/pal.md, deviations).
FINETUNE_STEPS = {"quick": 30, "paper": 0}
FINETUNE_LR_SCALE = {"quick": 0.5, "paper": 0.1}
QUICK_SUBQUERIES = 4  # quick preset: the budget in 4 sub-queries
CPU_SCORE_BATCH = 64  # images per scoring pass on a CPU (256 rotated)
#: What the scorer's pretext loss trains on: the labeled set (the paper), or also the
#: unlabeled pool (an equally sized batch of it per step; the task head stays on labels).
SSL_DATA = ("labeled", "pool")
PRETEXTS = ("auto", "rotation", "contrastive")
#: ``lambda_div`` when not given: 1 where sub-queries exist (rotation on classification, the
#: authors' code), 0 elsewhere. NaN marks "not given"; a user cannot type it (not finite).
AUTO = math.nan
#: Options that only shape the classification scorer's backbone.
CLASSIFIER_ONLY = ("width",)


def weight(**metadata: float) -> dict[str, float]:
    """Field metadata of a score weight: any sign (a negative weight reverses its ranking)."""
    return {"minimum": -math.inf, **metadata}


@dataclass(frozen=True)
class PalOptions:
    """PAL's settings; 0 (or "auto") means "the preset's default", resolved in ``select``."""

    pretext: str = "auto"  # auto | rotation | contrastive; auto: rotation (classification),
    # contrastive (segmentation), as the paper
    backbone: str = "auto"  # a registered model; auto: resnet18 (small-cnn on quick), or the
    # task model's segmentation network
    width: int = 0  # backbone width; 0: 16 on quick, the backbone's own (64 resnet18) on paper
    epochs: int = 0  # scorer epochs; 0: 100 on paper (50 segmentation: code), else the task's
    min_steps: int = 0  # scorer optimizer steps at least; 0: MIN_STEPS, capped by --min-steps
    learning_rate: float = 0.0  # scorer peak lr; 0: 0.01 on paper (authors' code), 0.05 on quick
    batch_size: int = 0  # scorer images per step; 0: 64 (authors' code), the task's on segmentation
    finetune_epochs: int = 5  # rotation-only epochs before each later sub-query (paper, code)
    finetune_steps: int = 0  # rotation-only steps at least; 0: FINETUNE_STEPS, same cap
    finetune_lr_scale: float = 0.0  # fine-tuning lr / scorer lr; 0: the preset's (authors': 0.1)
    lambda_rot: float = dataclasses.field(default=1.0, metadata=weight())  # S_S weight (code)
    lambda_kl: float = dataclasses.field(default=1.0, metadata=weight())  # S_C weight (code)
    lambda_div: float = dataclasses.field(default=AUTO, metadata=weight())  # S_D weight; AUTO
    subquery_size: int = 0  # samples per sub-query; 0: 512 on paper, ceil(budget / 4) on quick
    score_batch_size: int = 0  # images per scoring pass (x4 rotated); 0: eval batch; 64 on CPU
    augment: bool = True  # random crop and flip while training and fine-tuning the scorer
    ssl_data: str = "labeled"  # pretext loss on: labeled (paper) | pool (+ unlabeled images)

    def __post_init__(self) -> None:
        # Checked when the options are parsed, before any network is trained.
        names = {*MODELS.names(), *SEGMENTATION_MODELS.names()}
        if self.backbone != "auto" and self.backbone not in names:
            choices = ", ".join(["auto", *MODELS.names(), *SEGMENTATION_MODELS.names()])
            raise ValueError(f"unknown PAL backbone {self.backbone!r}; choose one of: {choices}")
        for name, value, valid in (
            ("ssl_data", self.ssl_data, SSL_DATA),
            ("pretext", self.pretext, PRETEXTS),
        ):
            if value not in valid:
                choices = ", ".join(valid)
                raise ValueError(f"unknown PAL {name} {value!r}; choose one of: {choices}")

    def resolved_pretext(self, task: str) -> str:
        if self.pretext != "auto":
            return self.pretext
        return "contrastive" if task == "segmentation" else "rotation"

    def check_images(self, task: str, shape: tuple[int, ...]) -> None:
        """Raise ValueError where the rotation pretext would meet images that are not square."""
        height, width = shape[-2:]
        if self.resolved_pretext(task) == "rotation" and height != width:
            raise ValueError(
                f"PAL's rotation pretext turns images by 90 degrees, so they must be square; "
                f"these are {height}x{width} (use -S pretext=contrastive)"
            )

    def check_task(self, task: str) -> None:
        """Raise ValueError for options that do not fit ``task`` (before any data loads)."""
        pretext = self.resolved_pretext(task)
        sub_queries = task == "classification" and pretext == "rotation"
        asked = [
            f"-S {name}={value:g}"
            for name, value in (
                ("lambda_div", self.lambda_div),
                ("subquery_size", self.subquery_size),
            )
            if value and not math.isnan(value)
        ]
        if asked and not sub_queries:
            raise ValueError(
                f"PAL {' '.join(asked)}: sub-queries and their diversity score exist for the "
                f"rotation pretext on classification only, not {pretext} on {task}"
            )
        registry = SEGMENTATION_MODELS if task == "segmentation" else MODELS
        if self.backbone != "auto" and self.backbone not in registry:
            choices = ", ".join(["auto", *registry.names()])
            raise ValueError(
                f"PAL backbone {self.backbone!r} is not a {task} network; choose one of: {choices}"
            )
        if task == "segmentation" and self.width:
            raise ValueError("PAL -S width: the segmentation scorer is the task model's network")


@dataclass(frozen=True)
class ResolvedPal:
    """Options with every preset default filled in."""

    pretext: str  # rotation | contrastive
    backbone: str
    width: int
    training: ScorerTraining
    subquery_size: int
    score_batch_size: int
    lambda_div: float  # 0: one round, no fine-tuning


def resolve(options: PalOptions, ctx: QueryContext, budget: int) -> ResolvedPal:
    quick = ctx.preset == "quick"
    preset = "quick" if quick else "paper"
    segmentation = ctx.masks is not None
    pretext = options.resolved_pretext("segmentation" if segmentation else "classification")
    backbone = options.backbone
    if segmentation:
        backbone = ctx.model_name if backbone == "auto" else backbone
        epochs = ctx.train.epochs if quick else SEGMENTATION_PAPER_EPOCHS
        floor = SEGMENTATION_MIN_STEPS[preset]
        batch_size, learning_rate = ctx.train.batch_size, ctx.train.learning_rate
    else:
        if backbone == "auto":
            backbone = "small-cnn" if quick else "resnet18"
        epochs = QUICK_EPOCHS if quick else PAPER_EPOCHS
        floor = MIN_STEPS[preset]
        batch_size, learning_rate = 64, 0.05 if quick else 0.01
    training = ScorerTraining(
        epochs=options.epochs or epochs,
        min_steps=options.min_steps or min(floor, ctx.train.min_steps),
        batch_size=options.batch_size or batch_size,
        learning_rate=options.learning_rate or learning_rate,
        finetune_epochs=options.finetune_epochs,
        finetune_steps=options.finetune_steps or min(FINETUNE_STEPS[preset], ctx.train.min_steps),
        finetune_lr_scale=options.finetune_lr_scale or FINETUNE_LR_SCALE[preset],
        augment=options.augment,
    )
    subquery = options.subquery_size or (
        max(1, math.ceil(budget / QUICK_SUBQUERIES)) if quick else PAPER_SUBQUERY
    )
    sub_queries = pretext == "rotation" and not segmentation
    lambda_div = options.lambda_div if not math.isnan(options.lambda_div) else float(sub_queries)
    # A GPU wants large passes (eval_batch_size images, 4x that rotated); a CPU is fastest
    # with small ones that stay in its caches (measured by hand).
    cuda = ctx.device.type == "cuda"
    scoring = options.score_batch_size or (ctx.train.eval_batch_size if cuda else CPU_SCORE_BATCH)
    width = options.width or (WIDTH[preset] if backbone == "small-cnn" else 0)
    return ResolvedPal(pretext, backbone, width, training, subquery, scoring, lambda_div)

"""The pool embedding that TypiClust and ProbCover work in, computed once per run and cached.

``self-supervised`` (the default): :mod:`palsim.strategies.ssl_embedding`'s rotation network,
trained on the whole pool without labels. Cached in the run's memory (``ctx.run_cache``: the
initial draw and every cycle reuse it) and on disk in ``$PALSIM_CACHE/embedding`` (default
``~/.cache/palsim/embedding``), keyed by the pool's bytes, the run seed, the settings, the
device type and the precision, so runs of a sweep that share a seed and pool reuse it too. A
cached file is read as untrusted input: it is used only when its key, shape, values and norms
check out, and trained again otherwise. ``task-model``: the penultimate features of the task
model trained this cycle (not available for the initial draw, which has no trained model).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from palsim.diagnostics import chance_warning
from palsim.events import epoch_event, phase_event
from palsim.models import MODELS
from palsim.seeds import derive_seed
from palsim.strategies.base import QueryContext
from palsim.strategies.ssl_embedding import EmbeddingSettings, train_embedding
from palsim.train import embed, uses_bf16

SOURCES = ("self-supervised", "task-model")
#: Per preset: backbone, epochs over the pool, step floor (capped by the run's --min-steps),
#: batch, learning rate. Quick: about 500 steps of 64 images x 4 rotations on a 10k pool.
PRESET_SETTINGS = {
    "quick": ("small-cnn", 3, 500, 64, 0.05),
    "paper": ("resnet18", 15, 2000, 128, 0.05),
}
NORM_TOLERANCE = 1e-3  # a cached row's L2 norm must lie within this of 1


@dataclass(frozen=True)
class EmbeddingOptions:
    """Strategy options shared by the strategies that work in a pool embedding."""

    embedding: str = "self-supervised"  # self-supervised | task-model (this cycle's model)
    embedding_backbone: str = "auto"  # auto: small-cnn on quick, resnet18 on paper
    embedding_epochs: int = 0  # passes over the pool; 0: 3 on quick, 15 on paper
    embedding_steps: int = 0  # step floor; 0: 500 quick / 2000 paper, capped by --min-steps

    def __post_init__(self) -> None:
        # Checked when the options are parsed, before any network is trained.
        if self.embedding not in SOURCES:
            raise ValueError(
                f"unknown embedding {self.embedding!r}; choose one of: {', '.join(SOURCES)}"
            )
        if self.embedding_backbone != "auto" and self.embedding_backbone not in MODELS:
            choices = ", ".join(["auto", *MODELS.names()])
            raise ValueError(
                f"unknown embedding backbone {self.embedding_backbone!r}; choose one of: {choices}"
            )


def settings_for(ctx: QueryContext, options: EmbeddingOptions) -> EmbeddingSettings:
    """The preset's embedding settings with the options' overrides filled in."""
    preset = "quick" if ctx.preset == "quick" else "paper"
    backbone, epochs, floor, batch, learning_rate = PRESET_SETTINGS[preset]
    if options.embedding_backbone != "auto":
        backbone = options.embedding_backbone
    return EmbeddingSettings(
        backbone=backbone,
        width=0,
        epochs=options.embedding_epochs or epochs,
        min_steps=options.embedding_steps or min(floor, ctx.train.min_steps),
        batch_size=batch,
        learning_rate=learning_rate,
        augment=True,
        score_batch_size=ctx.train.eval_batch_size,
    )


@dataclass(frozen=True)
class PoolEmbedding:
    """An embedding of the whole pool and what the cycle record shows about it."""

    points: torch.Tensor  # (N, D) float32, rows of L2 norm 1, on the device
    diagnostics: dict[str, float]  # e.g. the rotation network's accuracy
    warnings: tuple[str, ...]  # a line when the embedding network ended near chance
    key: str | None  # cache key: the same embedding in every cycle; None: this cycle's only


def pool_embedding(ctx: QueryContext, options: EmbeddingOptions) -> PoolEmbedding:
    """L2-normalised embedding of the whole pool (labeled and unlabeled)."""
    if options.embedding == "task-model":
        features = embed(ctx.model, ctx.pool_images, ctx.train.eval_batch_size)
        return PoolEmbedding(F.normalize(features, dim=1), {}, (), None)
    settings = settings_for(ctx, options)
    key = cache_key(ctx, settings)
    if key not in ctx.run_cache:
        ctx.run_cache[key] = _load_or_train(ctx, settings, key)
    points, accuracy = ctx.run_cache[key]
    warning = chance_warning("self-supervised embedding network", "rotation accuracy", accuracy, 4)
    warnings = (warning,) if warning else ()
    return PoolEmbedding(points, {"embedding_rotation_accuracy": accuracy}, warnings, key)


def cache_key(ctx: QueryContext, settings: EmbeddingSettings) -> str:
    """What the embedding depends on, as text: pool bytes, seed, settings, device, precision."""
    pool = ctx.pool_images
    pool_crc = zlib.crc32(pool.cpu().numpy().tobytes())
    shape = "x".join(str(side) for side in pool.shape)
    values = "-".join(f"{name}={value}" for name, value in asdict(settings).items())
    precision = "bf16" if uses_bf16(ctx.device) else "fp32"
    return f"pool{pool_crc:08x}-{shape}-seed{ctx.run_seed}-{values}-{ctx.device.type}-{precision}"


def cache_file(key: str) -> Path:
    folder = Path(os.environ.get("PALSIM_CACHE", Path.home() / ".cache" / "palsim"))
    return folder / "embedding" / f"{zlib.crc32(key.encode()):08x}.npz"


def _load_or_train(
    ctx: QueryContext, settings: EmbeddingSettings, key: str
) -> tuple[torch.Tensor, float]:
    path = cache_file(key)
    cached = read_cached(path, key, len(ctx.pool_images))
    if cached is not None:
        ctx.emit(phase_event(cycle=ctx.cycle, phase="embedding", detail=f"cached in {path}"))
        return torch.from_numpy(cached[0]).to(ctx.device), cached[1]
    detail = f"{settings.backbone}, rotation pretext task on {len(ctx.pool_images)} pool images"
    ctx.emit(phase_event(cycle=ctx.cycle, phase="embedding", detail=detail))

    def on_epoch(epoch: int, epochs: int, loss: float) -> None:
        event = epoch_event(
            cycle=ctx.cycle, phase="embedding", epoch=epoch, epochs=epochs, loss=loss
        )
        ctx.emit(event)

    seed = derive_seed(ctx.run_seed, 0, "ssl-embedding")
    embedding, accuracy = train_embedding(ctx.pool_images, settings, seed, on_epoch)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    np.savez(
        temporary,
        key=np.array(key),
        embedding=embedding.cpu().numpy(),
        rotation_accuracy=np.array(accuracy),
    )
    os.replace(temporary, path)
    return embedding, accuracy


def read_cached(path: Path, key: str, count: int) -> tuple[np.ndarray, float] | None:
    """The cached embedding and rotation accuracy, or None when absent or not trustworthy."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            stored_key = str(archive["key"])
            embedding = np.asarray(archive["embedding"])
            accuracy = float(archive["rotation_accuracy"])
    except (OSError, KeyError, ValueError, TypeError, EOFError):
        return None
    if stored_key != key or embedding.dtype != np.float32 or embedding.ndim != 2:
        return None
    if len(embedding) != count or embedding.shape[1] < 1 or not np.all(np.isfinite(embedding)):
        return None
    if not 0.0 <= accuracy <= 1.0:
        return None
    norms = np.linalg.norm(embedding, axis=1)
    if not np.all(np.abs(norms - 1.0) <= NORM_TOLERANCE):
        return None
    return embedding, accuracy

from pathlib import Path

import numpy as np
import pytest
import torch

from palsim.models import build_model
from palsim.strategies.embedding import (
    EmbeddingOptions,
    cache_file,
    cache_key,
    pool_embedding,
    read_cached,
    settings_for,
)
from palsim.strategies.probcover import ProbcoverStrategy
from palsim.strategies.typiclust import TypiclustStrategy
from tests.palsim.strategies.contexts import tiny_context

OPTIONS = EmbeddingOptions(embedding_epochs=1)


def context(seed: int = 0):
    torch.manual_seed(0)
    return tiny_context(build_model("small-cnn", 1, 4, [0.5], [0.25]), seed=seed)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PALSIM_CACHE", str(tmp_path))
    return tmp_path / "embedding"


def test_the_embedding_is_trained_once_per_run_and_cached_on_disk(cache) -> None:
    ctx = context()
    first = pool_embedding(ctx, OPTIONS)
    assert first.points.shape == (40, 128)
    assert torch.allclose(first.points.norm(dim=1), torch.ones(40), atol=1e-5)
    assert pool_embedding(ctx, OPTIONS).points is first.points  # the run's memory
    assert [path.name for path in cache.iterdir()] == [cache_file(first.key or "").name]
    # A new run with the same pool, seed and settings reads the file: the same values.
    events: list[dict] = []
    other = context()
    other.emit = events.append
    again = pool_embedding(other, OPTIONS)
    assert torch.equal(again.points, first.points)
    assert events[0]["phase"] == "embedding" and events[0]["detail"].startswith("cached in")


def test_a_different_seed_or_setting_is_a_different_embedding(cache) -> None:
    ctx = context()
    key = cache_key(ctx, settings_for(ctx, OPTIONS))
    ctx.run_seed = 1
    assert cache_key(ctx, settings_for(ctx, OPTIONS)) != key
    ctx.run_seed = 0
    assert cache_key(ctx, settings_for(ctx, EmbeddingOptions(embedding_epochs=2))) != key
    ctx.pool_images = ctx.pool_images.clone()
    ctx.pool_images[0, 0, 0, 0] ^= 1
    assert cache_key(ctx, settings_for(ctx, OPTIONS)) != key


def test_an_untrustworthy_cache_file_is_ignored_and_the_embedding_trained_again(cache) -> None:
    ctx = context()
    trained = pool_embedding(ctx, OPTIONS)
    path, key = cache_file(trained.key or ""), trained.key or ""
    points = trained.points.numpy()
    bad_files = {
        "another key": dict(key=np.array("x"), embedding=points, rotation_accuracy=np.array(0.5)),
        "rows not of norm 1": dict(
            key=np.array(key), embedding=2 * points, rotation_accuracy=np.array(0.5)
        ),
        "a NaN": dict(
            key=np.array(key),
            embedding=np.where(np.arange(40)[:, None] == 3, np.nan, points).astype(np.float32),
            rotation_accuracy=np.array(0.5),
        ),
        "too few rows": dict(key=np.array(key), embedding=points[:5], rotation_accuracy=0.5),
        "an accuracy above 1": dict(
            key=np.array(key), embedding=points, rotation_accuracy=np.array(7.0)
        ),
    }
    for arrays in bad_files.values():
        np.savez(path, **arrays)
        assert read_cached(path, key, 40) is None
    path.write_bytes(b"not a zip file")
    assert read_cached(path, key, 40) is None
    # Retrained from the same seed: bit-identical to the first time (a replay needs it).
    retrained = pool_embedding(context(), OPTIONS)
    assert torch.equal(retrained.points, trained.points)
    assert read_cached(path, key, 40) is not None


def test_task_model_embedding_is_not_cached(cache) -> None:
    embedding = pool_embedding(context(), EmbeddingOptions(embedding="task-model"))
    assert embedding.key is None and not cache.exists()
    assert torch.allclose(embedding.points.norm(dim=1), torch.ones(40), atol=1e-5)


def test_a_bad_embedding_option_is_refused_when_parsed() -> None:
    with pytest.raises(ValueError, match="unknown embedding 'pixels'; choose one of: "):
        TypiclustStrategy({"embedding": "pixels"})
    with pytest.raises(ValueError, match="unknown embedding backbone 'vit'"):
        ProbcoverStrategy({"embedding_backbone": "vit"})
    with pytest.raises(ValueError, match=r"alpha=0.0: must lie in \(0, 1\]"):
        ProbcoverStrategy({"alpha": "0"})


@pytest.mark.parametrize("strategy", [TypiclustStrategy, ProbcoverStrategy])
def test_the_strategies_pick_distinct_unlabeled_samples_reproducibly(strategy) -> None:
    options = {"embedding_epochs": "1"}
    selection = strategy(options).select(context(seed=3), 12)
    chosen = selection.indices.tolist()
    assert len(set(chosen)) == 12 and min(chosen) >= 10  # the first 10 are labeled
    assert strategy(options).select(context(seed=3), 12).indices.tolist() == chosen
    assert selection.scores is not None and len(selection.scores) == 12

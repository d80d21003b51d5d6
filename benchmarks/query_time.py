"""Query time at a 20,000-image pool on the CPU: BADGE against the cold-start strategies.

Each strategy's own ``select`` runs on the same context, as a study runs it: a Fashion-MNIST
pool (the first ``--pool`` training images), ``--labeled`` of them labeled, a query of
``--budget``, the quick preset's task model (small CNN, freshly initialised: the query's cost
does not depend on how well it is trained) and inference batch. The self-supervised
embedding of TypiClust and ProbCover is trained once per run and cached, so it is timed
apart (``embedding``, its one-time cost) from the per-cycle query, which every cycle after
the first pays (``typiclust``, ``probcover``; ProbCover's first query also builds its delta
and graph once per run: ``probcover first``). Best of ``--repeats`` per row.

    python benchmarks/query_time.py
    python benchmarks/query_time.py --strategies badge,typiclust,probcover,learning-loss

A strategy that needs more than the context gives (one that trains an auxiliary module with
the task model) is reported as not measured, with the reason.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Callable

import torch

from palsim.config import PRESETS
from palsim.datasets import load_dataset
from palsim.models import build_model, channel_stats
from palsim.strategies import load_all
from palsim.strategies.base import QueryContext, TrainSettings
from palsim.strategies.embedding import EmbeddingOptions, pool_embedding
from palsim.train import prepare, seeded

DEFAULT_STRATEGIES = "badge,typiclust,probcover,learning-loss"


def make_context(
    images: torch.Tensor, labeled: int, run_cache: dict[str, object], seed: int
) -> QueryContext:
    quick = PRESETS["quick"]
    mean, std = channel_stats(images)
    with seeded(seed):
        model = prepare(build_model("small-cnn", images.shape[1], 10, mean, std), images.device)
    model.eval()
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    return QueryContext(
        cycle=1,
        pool_images=images,
        labeled=order[:labeled].sort().values,
        labels=torch.randint(10, (labeled,), generator=torch.Generator().manual_seed(seed)),
        unlabeled=order[labeled:].sort().values,
        model=model,
        num_classes=10,
        device=images.device,
        generator=torch.Generator().manual_seed(seed),
        seed=seed,
        train=TrainSettings(
            quick["epochs"],
            quick["batch_size"],
            quick["learning_rate"],
            quick["eval_batch_size"],
            True,
            quick["min_steps"],
        ),
        preset="quick",
        run_seed=seed,
        run_cache=run_cache,
    )


def timed(work: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=20_000)
    parser.add_argument("--labeled", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--strategies", default=DEFAULT_STRATEGIES)
    parser.add_argument(
        "--embedding-steps", type=int, default=0, help="embedding step floor; 0: the preset's"
    )
    parser.add_argument(
        "--embedding-epochs", type=int, default=0, help="embedding epochs; 0: the preset's"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads; 0: torch's own")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    # A fresh cache folder: the embedding's one-time cost is measured, not read from disk.
    os.environ["PALSIM_CACHE"] = tempfile.mkdtemp(prefix="palsim-query-time-")
    images = load_dataset("fashion-mnist").train_images[: args.pool]
    run_cache: dict[str, object] = {}
    rows: dict[str, object] = {"pool": args.pool, "labeled": args.labeled, "budget": args.budget}

    def context() -> QueryContext:
        return make_context(images, args.labeled, run_cache, seed=0)

    embedding = {
        "embedding_steps": str(args.embedding_steps),
        "embedding_epochs": str(args.embedding_epochs),
    }
    started = time.perf_counter()
    pool_embedding(
        context(),
        EmbeddingOptions(
            embedding_epochs=args.embedding_epochs, embedding_steps=args.embedding_steps
        ),
    )
    rows["embedding (once per run)"] = time.perf_counter() - started
    registry = load_all()

    def query(name: str, repeats: int) -> float:
        strategy = registry.get(name)
        takes = {field.name for field in dataclasses.fields(strategy.Options)}
        options = {key: value for key, value in embedding.items() if key in takes}

        def select() -> object:
            instance, ctx = strategy(options), context()
            # A strategy trained with the task model (learning-loss) gets its objective as the
            # loop hands it over; untrained here, since a query's cost does not depend on it.
            ctx.auxiliary = instance.auxiliary_objective(ctx.model)
            return instance.select(ctx, args.budget)

        return timed(select, repeats)

    for name in args.strategies.split(","):
        if name not in registry:
            rows[name] = "not registered"
            continue
        if name == "probcover":
            # The first query builds delta and the graph (once per run); later ones reuse them.
            rows["probcover first"] = query(name, 1)
        try:
            rows[name] = query(name, args.repeats)
        except (AttributeError, TypeError, RuntimeError) as error:
            rows[name] = f"not measured: {type(error).__name__}: {error}"
    badge = rows.get("badge")
    if isinstance(badge, float):
        for name in ("typiclust", "probcover", "probcover first", "learning-loss"):
            if isinstance(rows.get(name), float):
                seconds = rows[name]
                assert isinstance(seconds, float)
                rows[f"{name} / badge"] = seconds / badge
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

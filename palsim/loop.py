"""The pool-based active-learning loop; it reports progress as events to one ``emit`` sink.

Each cycle: train the task model from scratch on the labeled set, evaluate it on the clean
test split, ask the strategy for ``budget`` pool indices, ask the oracle for their labels.
Every random stream is derived from (seed, cycle, purpose), so cycle ``c`` can be replayed
from a checkpoint of the labeled set alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from oracles import Answer, MaskOracle, Oracle
from palsim.config import Resolved, RunConfig
from palsim.datasets import Dataset
from palsim.diagnostics import chance_warning, fit_on_labels
from palsim.events import (
    Event,
    cycle_finished_event,
    cycle_started_event,
    epoch_event,
    evaluated_event,
    phase_event,
    query_event,
    run_started_event,
    warning_event,
)
from palsim.initial_draw import draw_initial
from palsim.models import build_model, channel_stats, choose_model
from palsim.relabel import reask_count, reask_labeled
from palsim.seeds import derive_seed, numpy_rng, torch_generator
from palsim.segmentation.answers import ask_masks, wrong_pixels
from palsim.segmentation.metrics import segmentation_metrics
from palsim.segmentation.models import build_segmenter, choose_segmenter
from palsim.segmentation.train import evaluate_confusion, train_segmenter
from palsim.strategies.base import QueryContext, Selection, Strategy, TrainSettings
from palsim.train import (
    PRECISIONS,
    accuracy,
    effective_precision,
    import_optimizer_dependencies,
    precision,
    prepare,
    seeded,
    train_classifier,
)


@dataclass
class Study:
    """A resolved configuration with its data, oracle and strategy, ready to run."""

    config: RunConfig
    dataset: Dataset
    oracle: Oracle | MaskOracle  # a MaskOracle answers the masks of a segmentation dataset
    strategy: Strategy
    device: torch.device
    pool_indices: np.ndarray  # training-split index of each pool position
    initial: int  # size of the initial labeled set
    budget: int  # samples queried per cycle
    excluded_classes: list[int]  # classes kept out of the initial set (novel-class study)
    reasks: int = 0  # labels re-asked per cycle, out of ``budget`` (the rest are new samples)
    oracle_notes: list[str] = field(default_factory=list)  # e.g. the reference's test accuracy
    initial_strategy: Strategy | None = None  # draws the initial set; None: uniform (seeded)


@dataclass
class LoopState:
    """What resume needs: the labeled set (pool positions) and the answers so far."""

    next_cycle: int
    labeled: list[int]
    labels: list[int]
    annotators: list[str | None]
    records: list[dict[str, Any]] = field(default_factory=list)
    total_label_cost: float = 0.0  # every answer paid for so far, the initial set included
    answers: list[list[Any]] = field(default_factory=list)  # every [item, annotator, label]
    # Segmentation: the answered masks of ``labeled`` (uint8, on the device). Not saved: a
    # resumed run asks the oracle again, which answers the same (see replay_masks).
    masks: torch.Tensor | None = None
    # An initial set drawn by a strategy: its diagnostics and warnings, which cycle 0's
    # record carries (prefixed ``initial_``); {} for a uniform draw.
    initial_draw: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "masks"}


@dataclass(frozen=True)
class CycleInputs:
    """What every cycle of a study reads, prepared once by :func:`run_study`."""

    pool_images: torch.Tensor  # uint8 pool images (N, C, H, W), on the device
    pool_labels: np.ndarray  # true label of each pool position
    test_images: torch.Tensor  # uint8 clean test split (or its fixed subset), on the device
    test_labels: torch.Tensor  # their labels, on the device
    test_masks: torch.Tensor | None  # segmentation: their uint8 masks, on the device
    model_name: str  # the registered task model
    mean: list[float]  # per-channel mean of the training images, for the model's Normalize
    std: list[float]  # per-channel std of the training images
    settings: TrainSettings  # how the task model is trained and evaluated
    #: What strategies compute once per run (QueryContext.run_cache), the initial draw's too.
    run_cache: dict[str, Any] = field(default_factory=dict)


def validate_sizes(pool_size: int, initial: int, budget: int, cycles: int) -> None:
    """Raise ValueError when the study does not fit in the pool."""
    if cycles < 1:
        raise ValueError(f"cycles must be at least 1, got {cycles}")
    if initial < 2:
        raise ValueError(f"the initial labeled set needs at least 2 samples, got {initial}")
    if initial > pool_size:
        raise ValueError(f"the initial set ({initial}) is larger than the pool of {pool_size}")
    if cycles > 1 and budget < 1:
        raise ValueError(f"the budget per cycle must be at least 1 sample, got {budget}")
    if cycles > 1 and initial + budget > pool_size:
        raise ValueError(
            f"initial set ({initial}) + one query of {budget} = {initial + budget} samples "
            f"exceeds the pool of {pool_size}, whatever the number of cycles; "
            "lower --budget or --initial, or raise --pool-size"
        )
    needed = initial + (cycles - 1) * budget
    if needed > pool_size:
        most = 1 + (pool_size - initial) // budget
        raise ValueError(
            f"initial set ({initial}) + {cycles - 1} queries of {budget} = {needed} samples "
            f"exceeds the pool of {pool_size}; at most {most} cycles fit"
        )


def choose_pool(num_train: int, pool_size: int | None, seed: int) -> np.ndarray:
    """Training-split indices of the pool: all of them, or a seeded random subset (sorted)."""
    if pool_size is None or pool_size >= num_train:
        return np.arange(num_train)
    if pool_size < 1:
        raise ValueError(f"pool size must be positive, got {pool_size}")
    rng = numpy_rng(seed, 0, "pool")
    return np.sort(rng.choice(num_train, size=pool_size, replace=False))


def make_study(
    resolved: Resolved,
    dataset: Dataset,
    oracle: Oracle | MaskOracle,
    strategy: Strategy,
    device: torch.device,
) -> Study:
    """Resolve sizes and class lists against the data and check that the study fits."""
    config = resolved.config
    assert config.cycles is not None  # set by every preset
    if config.pool_size is not None and config.pool_size > len(dataset.train_labels):
        raise ValueError(
            f"--pool-size {config.pool_size} is larger than the training split of "
            f"{dataset.name} ({len(dataset.train_labels)} images)"
        )
    if len(dataset.test_labels) == 0:
        raise ValueError(f"{dataset.name} has no test images, so no accuracy can be measured")
    pool = choose_pool(len(dataset.train_labels), config.pool_size, config.seed)
    initial = resolved.initial.count(len(pool))
    budget = resolved.budget.count(len(pool))
    if isinstance(oracle, MaskOracle) and config.relabel != "none":
        raise ValueError(
            f"--relabel {config.relabel}: re-asking is for classification labels; a mask oracle's "
            "answer is fixed"
        )
    reasks = reask_count(config.relabel, config.relabel_share, budget) if config.cycles > 1 else 0
    if reasks and not isinstance(oracle, MaskOracle) and len(oracle.annotator_profiles()) < 2:
        raise ValueError(
            f"--relabel {config.relabel} needs an oracle with several annotators (for example "
            f"annotators:3:0.3); {config.oracle!r} has one, whose answer is fixed"
        )
    validate_sizes(len(pool), initial, budget - reasks, config.cycles)
    if config.precision not in PRECISIONS:
        choices = ", ".join(PRECISIONS)
        raise ValueError(f"unknown precision {config.precision!r}; choose one of: {choices}")
    resolved.exclude.check(dataset.num_classes, config.exclude_classes or "")
    excluded = list(resolved.exclude.classes)
    if resolved.exclude.random_count:
        rng = numpy_rng(config.seed, 0, "exclude")
        count = resolved.exclude.random_count
        excluded = sorted(rng.choice(dataset.num_classes, count, replace=False).tolist())
    if excluded:
        pool_labels = dataset.train_labels.numpy()[pool]
        allowed = int(np.sum(~np.isin(pool_labels, excluded)))
        if allowed < initial:
            raise ValueError(
                f"exclude-classes {config.exclude_classes!r}: only {allowed} pool samples lie "
                f"outside the excluded classes, fewer than the initial set of {initial}"
            )
    return Study(config, dataset, oracle, strategy, device, pool, initial, budget, excluded, reasks)


def evaluation_split(
    dataset: Dataset, size: int | None, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The clean test split on the device (images, labels, masks or None), or a subset that
    is the same for every run seed."""
    images, labels, masks = dataset.test_images, dataset.test_labels, dataset.test_masks
    if size is not None and size < len(labels):
        keep = torch.from_numpy(
            np.sort(numpy_rng(0, 0, "test").choice(len(labels), size, replace=False))
        )
        images, labels = images[keep], labels[keep]
        masks = None if masks is None else masks[keep]
    return images.to(device), labels.to(device), None if masks is None else masks.to(device)


def initial_state(
    study: Study, inputs: CycleInputs, show: Emit = lambda event: None
) -> tuple[LoopState, Event]:
    """Draw the initial labeled set (outside any excluded classes) and have the oracle label it:
    uniformly from the seed, or by ``study.initial_strategy``, whose progress goes to ``show``."""
    pool_labels = inputs.pool_labels
    allowed = np.flatnonzero(~np.isin(pool_labels, study.excluded_classes))
    if len(allowed) < study.initial:
        raise ValueError(f"only {len(allowed)} pool samples lie outside the excluded classes")
    draw: dict[str, Any] = {}  # a strategy's diagnostics and warnings, for cycle 0's record
    if study.initial_strategy is None:
        rng = numpy_rng(study.config.seed, 0, "initial")
        chosen = np.sort(rng.choice(allowed, size=study.initial, replace=False))
    else:
        model = (inputs.model_name, study.dataset.num_classes, inputs.mean, inputs.std)
        selection = draw_initial(
            study.initial_strategy,
            inputs.pool_images,
            allowed,
            study.initial,
            model,
            inputs.settings,
            study.config.seed,
            study.config.preset,
            inputs.run_cache,
            show,
        )
        allowed_positions = torch.from_numpy(allowed)
        name = study.config.initial_strategy
        chosen = np.sort(check_selection(selection, allowed_positions, study.initial, name))
        draw = {"diagnostics": dict(selection.diagnostics), "warnings": list(selection.warnings)}
    fields, masks = annotate(study, chosen, pool_labels, cycle=-1)
    state = LoopState(0, chosen.tolist(), fields["oracle_labels"], who_answered(fields))
    state.masks = None if masks is None else masks.to(study.device)
    state.total_label_cost = fields["cost"]
    state.answers = list(fields["answers"])
    if draw:
        fields["diagnostics"] = draw["diagnostics"]
        state.initial_draw = draw
    return state, fields


def annotate(
    study: Study, positions: np.ndarray, pool_labels: np.ndarray, cycle: int
) -> tuple[dict[str, Any], torch.Tensor | None]:
    """Ask the oracle about pool ``positions``: the ``query`` event's fields, and for a
    segmentation study the answered masks (uint8, on the CPU; else None)."""
    assert study.config.noise_seed is not None
    items = study.pool_indices[positions]
    true = pool_labels[positions]
    rng = numpy_rng(study.config.noise_seed, cycle, "oracle")
    if isinstance(study.oracle, MaskOracle):
        return annotate_masks(study.oracle, study.dataset, items, rng)
    reply = study.oracle.annotate(items, true, rng)
    fields = {
        "indices": items.tolist(),
        "true_labels": true.tolist(),
        "oracle_labels": reply.labels.tolist(),
        "annotators": reply.annotators,
        "answers": [[a.item, a.annotator, a.label] for a in reply.answers],
        "cost": reply.cost,
    }
    return fields, None


def annotate_masks(
    oracle: MaskOracle, dataset: Dataset, items: np.ndarray, rng: np.random.Generator
) -> tuple[dict[str, Any], torch.Tensor]:
    """The masks of training-split ``items``; each item's label is its masks' largest class."""
    assert dataset.train_masks is not None  # a MaskOracle is built for masked datasets only
    true_masks = dataset.train_masks[torch.from_numpy(items)].numpy()
    reply = ask_masks(oracle, true_masks, dataset.num_classes, dataset.background, rng)
    given = reply.given_labels.tolist()
    fields = {
        "indices": items.tolist(),
        "true_labels": reply.true_labels.tolist(),
        "oracle_labels": given,
        "annotators": None,
        "answers": [[int(i), "oracle", y] for i, y in zip(items, given, strict=True)],
        "cost": float(len(items)),  # one mask, one unit
        "mask_rates": reply.rates,
        "pixel_counts": reply.pixel_counts,
    }
    return fields, torch.from_numpy(reply.masks)


def replay_masks(study: Study, state: LoopState, pool_labels: np.ndarray) -> torch.Tensor:
    """The masks of a resumed run's labeled set, asked again in the order first asked
    (initial set, then each query): the same generators give the same masks."""
    assert study.config.cycles is not None
    parts = [(-1, 0, study.initial)]
    for cycle in range(min(state.next_cycle, study.config.cycles - 1)):
        start = study.initial + cycle * study.budget
        parts.append((cycle, start, start + study.budget))
    masks = []
    for cycle, start, end in parts:
        positions = np.array(state.labeled[start:end])
        fields, answered = annotate(study, positions, pool_labels, cycle)
        if fields["oracle_labels"] != state.labels[start:end] or answered is None:
            raise ValueError(f"the oracle's masks for cycle {cycle} differ from the checkpoint")
        masks.append(answered)
    return torch.cat(masks).to(study.device)


def who_answered(fields: dict[str, Any]) -> list[str | None]:
    """Per item, the annotator named in ``annotate``'s fields (None for a single oracle)."""
    annotators: list[str | None] = list(fields["annotators"] or [])
    return annotators or [None] * len(fields["oracle_labels"])


def score_summary(scores: torch.Tensor | None, bins: int = 10) -> dict[str, Any] | None:
    """min, max, mean, std and a histogram of the selected samples' scores."""
    if scores is None or len(scores) == 0:
        return None
    values = scores.detach().float().cpu()
    low, high = float(values.min()), float(values.max())
    counts = torch.histc(values, bins=bins, min=low, max=high if high > low else low + 1e-9)
    edges = torch.linspace(low, high if high > low else low + 1e-9, bins + 1)
    std = float(values.std()) if len(values) > 1 else 0.0
    return {
        "min": low,
        "max": high,
        "mean": float(values.mean()),
        "std": std,
        "histogram": {"edges": edges.tolist(), "counts": [int(c) for c in counts]},
    }


def check_selection(
    selection: Selection, unlabeled: torch.Tensor, budget: int, name: str
) -> np.ndarray:
    """The strategy must return ``budget`` distinct unlabeled positions."""
    chosen = selection.indices.detach().cpu().numpy().astype(np.int64)
    if len(chosen) != budget or len(np.unique(chosen)) != budget:
        raise RuntimeError(
            f"strategy {name} returned {len(chosen)} indices, expected {budget} distinct"
        )
    if not np.isin(chosen, unlabeled.cpu().numpy()).all():
        raise RuntimeError(f"strategy {name} returned indices outside the unlabeled pool")
    return chosen


Emit = Callable[[Event], None]


def run_study(
    study: Study,
    emit: Emit,
    state: LoopState | None = None,
    checkpoint: Callable[[LoopState], None] = lambda state: None,
    show: Emit = lambda event: None,
) -> LoopState:
    """Run (or resume from ``state``) the study, emitting events; checkpoint after each cycle.

    ``show`` gets the progress of a strategy drawing the initial set: events for the user,
    not for the log, since they come before ``run_started`` (cycle -1 in every one).
    """
    config, dataset, device = study.config, study.dataset, study.device
    assert config.cycles is not None and config.epochs is not None
    assert config.batch_size is not None and config.eval_batch_size is not None  # by the preset
    assert config.learning_rate is not None
    pool_labels = dataset.train_labels.numpy()[study.pool_indices]
    pool_images = dataset.train_images[torch.from_numpy(study.pool_indices)].to(device)
    test_images, test_labels, test_masks = evaluation_split(dataset, config.test_size, device)
    mean, std = channel_stats(dataset.train_images)
    if dataset.task == "segmentation":
        model_name = choose_segmenter(config.model, dataset.image_shape, config.preset)
    else:
        model_name = choose_model(config.model, dataset.image_shape, config.preset)
    settings = TrainSettings(
        config.epochs,
        config.batch_size,
        config.learning_rate,
        config.eval_batch_size,
        config.augment,
        config.min_steps or 0,
    )
    inputs = CycleInputs(
        pool_images,
        pool_labels,
        test_images,
        test_labels,
        test_masks,
        model_name,
        mean,
        std,
        settings,
    )
    initial_fields: Event | None = None
    if state is None:
        with precision(config.precision):  # a strategy drawing it trains an embedding
            state, initial_fields = initial_state(study, inputs, show)
    elif isinstance(study.oracle, MaskOracle):
        state.masks = replay_masks(study, state, pool_labels)
    else:
        items = study.pool_indices[state.labeled]
        study.oracle.remember(items, np.array(state.labels), state.annotators)
        study.oracle.remember_answers([Answer(int(i), str(a), int(y)) for i, a, y in state.answers])
    emit(
        run_started_event(
            config=config.to_dict(),
            dataset=dataset.name,
            num_classes=dataset.num_classes,
            class_names=dataset.class_names,
            pool_size=len(study.pool_indices),
            test_size=len(test_labels),
            device=str(device),
            precision=effective_precision(config.precision, device),
            model=model_name,
            task=dataset.task,
            excluded_classes=study.excluded_classes,
            resumed_from=state.next_cycle if initial_fields is None else None,
            initial=initial_fields,
            oracle_notes=study.oracle_notes,
        )
    )
    if initial_fields is not None:
        # After the initial answers are logged: a run killed before this point starts over.
        checkpoint(state)
    import_optimizer_dependencies()  # a one-time import, kept out of cycle 0's train time
    for cycle in range(state.next_cycle, config.cycles):
        with precision(config.precision):
            run_cycle(study, state, cycle, emit, inputs)
        checkpoint(state)
        emit(cycle_finished_event(record=state.records[-1]))
    return state


def run_cycle(study: Study, state: LoopState, cycle: int, emit: Emit, inputs: CycleInputs) -> None:
    """One cycle: train, evaluate, query (except in the last cycle); updates ``state``."""
    config, device = study.config, study.device
    pool_images, pool_labels, settings = inputs.pool_images, inputs.pool_labels, inputs.settings
    model_name = inputs.model_name
    seed = config.seed
    labeled = torch.tensor(state.labeled, dtype=torch.long, device=device)
    labels = torch.tensor(state.labels, dtype=torch.long, device=device)
    emit(cycle_started_event(cycle=cycle, labeled=len(state.labeled)))

    # 1. Train the task model from scratch, seeded by (seed, cycle).
    emit(phase_event(cycle=cycle, phase="train", detail=f"{model_name} on {len(labeled)}"))
    started = time.perf_counter()

    def on_epoch(epoch: int, epochs: int, loss: float) -> None:
        emit(epoch_event(cycle=cycle, phase="train", epoch=epoch, epochs=epochs, loss=loss))

    classes = study.dataset.num_classes
    with seeded(derive_seed(seed, cycle, "model")):
        auxiliary = None  # a strategy's objective trained with the task model (classification)
        if state.masks is not None:
            network: torch.nn.Module = build_segmenter(
                model_name, pool_images.shape[1], classes, inputs.mean, inputs.std
            )
            model = prepare(network, device)
            train_segmenter(
                model,
                pool_images[labeled],
                state.masks,
                settings,
                torch_generator(seed, cycle, "augment"),
                on_epoch,
            )
        else:
            network = build_model(
                model_name,
                pool_images.shape[1],
                classes,
                inputs.mean,
                inputs.std,
                dropout=study.strategy.task_dropout,
            )
            model = prepare(network, device)
            auxiliary = study.strategy.auxiliary_objective(model)
            train_classifier(
                model,
                pool_images[labeled],
                labels,
                settings,
                torch_generator(seed, cycle, "augment"),
                on_epoch,
                auxiliary,
            )
    train_seconds = time.perf_counter() - started

    # 2. Evaluate on the clean test split (no augmentation), and on its own training data.
    test_images, test_labels = inputs.test_images, inputs.test_labels
    emit(phase_event(cycle=cycle, phase="evaluate", detail=f"{len(test_labels)} test images"))
    batch = settings.eval_batch_size
    if state.masks is not None and inputs.test_masks is not None:
        metrics, diagnostics = evaluate_segmentation(study, state, model, inputs)
        accuracy_given = float(diagnostics["train_pixel_accuracy"])
        what = "pixel accuracy on its masks"
    else:
        metrics = {"test_accuracy": accuracy(model, test_images, test_labels, batch)}
        true = torch.from_numpy(pool_labels[np.array(state.labeled)]).to(device)
        diagnostics = fit_on_labels(model, pool_images[labeled], labels, true, batch)
        accuracy_given, what = diagnostics["train_accuracy"], "accuracy on its labels"
    emit(evaluated_event(cycle=cycle, labeled=len(labeled), **metrics))
    warnings = [chance_warning("task model", what, accuracy_given, classes)]
    if cycle == 0 and state.initial_draw:
        draw = state.initial_draw
        diagnostics.update({f"initial_{k}": v for k, v in draw["diagnostics"].items()})
        warnings += [f"initial draw: {line}" for line in draw["warnings"]]

    # 3. Query and annotate, except after the last training round.
    record = cycle_record(study, state, cycle, metrics, pool_labels, train_seconds)
    if cycle < (config.cycles or 0) - 1:
        started = time.perf_counter()
        new_count = study.budget - study.reasks
        emit(phase_event(cycle=cycle, phase="query", detail=config.strategy))
        context = make_context(
            study, cycle, pool_images, labeled, labels, model, inputs, emit, state.masks
        )
        context.auxiliary = auxiliary
        with seeded(derive_seed(seed, cycle, "strategy-torch")):
            selection = study.strategy.select(context, new_count)
        chosen = check_selection(selection, context.unlabeled, new_count, config.strategy)
        diagnostics.update(selection.diagnostics)
        warnings += selection.warnings
        emit(phase_event(cycle=cycle, phase="annotate", detail=config.oracle))
        relabel = reask(study, state, cycle, pool_images, pool_labels, model, settings, record)
        fields, masks = annotate(study, chosen, pool_labels, cycle)
        query_seconds = time.perf_counter() - started
        wrong = int(np.sum(np.array(fields["true_labels"]) != np.array(fields["oracle_labels"])))
        if relabel is not None:
            # The log and the cost count every answer, the re-asks' included.
            fields["answers"] = relabel["answers"] + fields["answers"]
            fields["cost"] += relabel["cost"]
            fields["relabel"] = relabel
        emit(
            query_event(
                cycle=cycle,
                scores=score_summary(selection.scores),
                diagnostics=selection.diagnostics,
                **fields,
            )
        )
        state.labeled += chosen.tolist()
        state.labels += fields["oracle_labels"]
        state.annotators += who_answered(fields)
        state.answers += fields["answers"]
        state.total_label_cost += fields["cost"]
        if state.masks is not None and masks is not None:
            state.masks = torch.cat([state.masks, masks.to(device)])
            record["query_mask_rates"] = fields["mask_rates"]
        record.update(
            queried=len(chosen),
            query_noisy=wrong,
            label_cost=fields["cost"],
            query_seconds=query_seconds,
        )
    record["total_label_cost"] = state.total_label_cost
    record["diagnostics"] = diagnostics
    record["warnings"] = [line for line in warnings if line]
    for line in record["warnings"]:
        emit(warning_event(cycle=cycle, message=line))
    state.records.append(record)
    state.next_cycle = cycle + 1


def reask(
    study: Study,
    state: LoopState,
    cycle: int,
    pool_images: torch.Tensor,
    pool_labels: np.ndarray,
    model: torch.nn.Module,
    settings: TrainSettings,
    record: dict[str, Any],
) -> dict[str, Any] | None:
    """Re-ask ``study.reasks`` labels by the relabel policy; update ``state`` and ``record``.

    Returns the query event's ``relabel`` field (None when the study does not re-ask).
    """
    if not study.reasks or not isinstance(study.oracle, Oracle):
        return None  # make_study allows re-asks only of a classification oracle
    assert study.config.noise_seed is not None
    positions = np.array(state.labeled)
    served, true = np.array(state.labels), pool_labels[positions]
    outcome = reask_labeled(
        study.oracle,
        study.config.relabel,
        study.reasks,
        study.pool_indices[positions],
        served,
        true,
        lambda entries: pool_images[torch.from_numpy(positions[entries])],
        model,
        settings.eval_batch_size,
        numpy_rng(study.config.seed, cycle, "relabel"),
        numpy_rng(study.config.noise_seed, cycle, "reask"),
    )
    after = outcome.annotation.labels
    for entry, label, who in zip(
        outcome.positions, after, outcome.annotation.annotators or [], strict=True
    ):
        state.labels[entry] = int(label)
        state.annotators[entry] = who
    noisy_after = int(np.sum(np.array(state.labels) != true))
    record.update(
        reasked=len(outcome.positions),
        reask_changed=int(np.sum(outcome.before != after)),
        served_noise_before=record["noise_rate"],
        served_noise_after=noisy_after / len(true),
    )
    return {
        "indices": study.pool_indices[positions[outcome.positions]].tolist(),
        "true_labels": true[outcome.positions].tolist(),
        "labels_before": outcome.before.tolist(),
        "labels_after": after.tolist(),
        "annotators": outcome.annotation.annotators,
        "answers": [[a.item, a.annotator, a.label] for a in outcome.annotation.answers],
        "cost": outcome.annotation.cost,
    }


def evaluate_segmentation(
    study: Study, state: LoopState, model: torch.nn.Module, inputs: CycleInputs
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Test metrics (mIoU, pixel accuracy, IoU per class) and how well the model fits its own
    training masks, as given and as true (``train_pixel_accuracy``, ``..._true``)."""
    assert inputs.test_masks is not None and state.masks is not None
    assert study.dataset.train_masks is not None
    classes, batch = study.dataset.num_classes, inputs.settings.eval_batch_size
    confusion = evaluate_confusion(model, inputs.test_images, inputs.test_masks, classes, batch)
    images = inputs.pool_images[torch.tensor(state.labeled, device=study.device)]
    items = torch.from_numpy(study.pool_indices[state.labeled])
    true_masks = study.dataset.train_masks[items].to(study.device)
    fit = evaluate_confusion(model, images, state.masks, classes, batch)
    fit_true = evaluate_confusion(model, images, true_masks, classes, batch)
    diagnostics = {
        "train_pixel_accuracy": segmentation_metrics(fit)["test_pixel_accuracy"],
        "train_pixel_accuracy_true": segmentation_metrics(fit_true)["test_pixel_accuracy"],
    }
    return segmentation_metrics(confusion), diagnostics


def cycle_record(
    study: Study,
    state: LoopState,
    cycle: int,
    metrics: dict[str, Any],
    pool_labels: np.ndarray,
    train_seconds: float,
) -> dict[str, Any]:
    """The summary.json entry for a cycle, before its query."""
    true = pool_labels[np.array(state.labeled)]
    noisy = int(np.sum(true != np.array(state.labels)))
    record: dict[str, Any] = {
        "cycle": cycle,
        "labeled": len(state.labeled),
        **metrics,
        "noisy_labels": noisy,
        "noise_rate": noisy / len(state.labeled),
        "queried": 0,
        "query_noisy": 0,
        "label_cost": 0.0,
        "train_seconds": train_seconds,
        "query_seconds": 0.0,
    }
    if state.masks is not None and study.dataset.train_masks is not None:
        items = torch.from_numpy(study.pool_indices[state.labeled])
        wrong, total = wrong_pixels(
            state.masks.cpu().numpy(), study.dataset.train_masks[items].numpy()
        )
        record["noisy_pixels"], record["pixel_noise_rate"] = wrong, wrong / max(1, total)
    if study.excluded_classes:
        record["novel_found"] = int(np.isin(true, study.excluded_classes).sum())
    return record


def make_context(
    study: Study,
    cycle: int,
    pool_images: torch.Tensor,
    labeled: torch.Tensor,
    labels: torch.Tensor,
    model: torch.nn.Module,
    inputs: CycleInputs,
    emit: Emit,
    masks: torch.Tensor | None = None,
) -> QueryContext:
    """The strategy's view of the cycle; ``masks``: the labeled set's answered masks."""
    mask = torch.ones(len(pool_images), dtype=torch.bool, device=study.device)
    mask[labeled] = False
    seed = derive_seed(study.config.seed, cycle, "strategy")
    generator = torch_generator(study.config.seed, cycle, "strategy")
    return QueryContext(
        cycle=cycle,
        pool_images=pool_images,
        labeled=labeled,
        labels=labels,
        unlabeled=torch.nonzero(mask).flatten(),
        model=model,
        num_classes=study.dataset.num_classes,
        device=study.device,
        generator=generator,
        seed=seed,
        train=inputs.settings,
        preset=study.config.preset,
        emit=emit,
        run_seed=study.config.seed,
        run_cache=inputs.run_cache,
        masks=masks,
        model_name=inputs.model_name,
    )

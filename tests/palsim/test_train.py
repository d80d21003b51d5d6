import pytest
import torch

from palsim import train
from palsim.models import build_model
from palsim.strategies.base import TrainSettings
from palsim.train import (
    accuracy,
    autocast,
    effective_precision,
    lists_native_bf16,
    planned_steps,
    precision,
    random_crop_flip,
    seeded,
    train_classifier,
    warmup_cosine,
)


def test_crop_without_padding_is_identity_or_mirror() -> None:
    images = torch.arange(2 * 1 * 4 * 4, dtype=torch.uint8).view(2, 1, 4, 4)
    out = random_crop_flip(images, torch.Generator().manual_seed(0), pad=0)
    for original, augmented in zip(images, out, strict=True):
        assert torch.equal(augmented, original) or torch.equal(augmented, original.flip(2))


def test_crop_translates_within_the_padding() -> None:
    image = torch.zeros(64, 1, 6, 6, dtype=torch.uint8)
    image[:, :, 2:4, 2:4] = 255
    out = random_crop_flip(image, torch.Generator().manual_seed(1), pad=2)
    assert out.shape == image.shape and out.dtype == torch.uint8
    # The 2x2 bright square survives whole (it is at most 2 pixels from any border).
    assert torch.all(out.flatten(1).sum(1) == 4 * 255)
    assert len({tuple(o.nonzero()[0].tolist()) for o in out}) > 1  # not all the same shift


def test_schedule_warms_up_then_decays() -> None:
    values = [warmup_cosine(step, 100, 10) for step in range(100)]
    assert values[0] < values[9] == 1.0
    assert values[99] < 0.01


def test_training_learns_a_separable_problem() -> None:
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (256,), generator=generator)
    images = torch.where(labels[:, None, None, None].bool(), 200, 40).to(torch.uint8)
    images = images.expand(256, 1, 8, 8).clone()
    with seeded(0):
        model = build_model("small-cnn", 1, 2, [0.5], [0.3])
    settings = TrainSettings(
        epochs=3, batch_size=32, learning_rate=0.05, eval_batch_size=128, augment=True
    )
    losses: list[float] = []
    train_classifier(
        model, images, labels, settings, generator, lambda e, n, loss: losses.append(loss)
    )
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert accuracy(model, images, labels, 128) == 1.0


def test_folded_batchnorm_gives_the_same_outputs() -> None:
    from palsim.train import fold_batchnorm

    with seeded(0):
        model = build_model("resnet18", 3, 5, [0.5] * 3, [0.2] * 3)
    images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    model.train()
    model(images)  # move the running statistics away from their initial values
    model.eval()
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    with torch.no_grad():
        assert torch.allclose(model(images), folded(images), atol=1e-4)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())


class FirstPixelIsTheClass(torch.nn.Module):
    """Predicts class 1 where an image's first pixel is bright, class 0 elsewhere."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        bright = (images[:, 0, 0, 0] > 0).float()
        return torch.stack([1 - bright, bright], dim=1)


def test_accuracy_is_correct_over_total_without_float32_artefacts() -> None:
    # 117 of 400 right: 0.2925 exactly; a float32 mean would give 0.29250000417232513.
    images = torch.zeros(400, 1, 2, 2)
    images[:117, 0, 0, 0] = 1.0
    labels = torch.ones(400, dtype=torch.long)
    value = accuracy(FirstPixelIsTheClass(), images, labels, batch_size=64)
    assert repr(value) == "0.2925"
    assert float(torch.tensor(117 / 400, dtype=torch.float32)) != 0.2925  # the artefact avoided


@pytest.mark.parametrize(
    ("name", "native", "cpu_dtype"),
    [
        ("auto", False, torch.float32),
        ("auto", True, torch.bfloat16),
        ("fp32", True, torch.float32),
        ("bf16", False, torch.bfloat16),
    ],
)
def test_precision_sets_the_cpu_autocast_dtype(
    monkeypatch: pytest.MonkeyPatch, name: str, native: bool, cpu_dtype: torch.dtype
) -> None:
    monkeypatch.setattr(train, "native_bf16", lambda: native)
    layer = torch.nn.Linear(4, 2)
    cpu = torch.device("cpu")
    with precision(name), autocast(cpu):
        assert layer(torch.ones(3, 4)).dtype == cpu_dtype
    assert effective_precision(name, cpu) == ("bf16" if cpu_dtype == torch.bfloat16 else "fp32")
    with precision("fp32"), autocast(cpu):  # outside the block: back to the study's own
        assert layer(torch.ones(3, 4)).dtype == torch.float32


def test_native_bf16_is_read_from_the_cpu_flags() -> None:
    flags = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512bw"
    assert not lists_native_bf16(flags)
    assert lists_native_bf16(flags + " avx512_bf16\n")
    assert lists_native_bf16(flags + " amx_tile amx_bf16\n")
    assert not lists_native_bf16("")  # no flags line: not native


def test_unknown_precision_is_refused() -> None:
    message = "unknown precision 'fp16'; choose one of: auto, fp32, bf16"
    with pytest.raises(ValueError, match=message), precision("fp16"):
        pass


@pytest.mark.parametrize(
    ("count", "batch_size", "epochs", "min_steps", "expected"),
    [
        (200, 64, 10, 500, 500),  # a tiny labeled set still gets the floor
        (3000, 64, 15, 500, 705),  # 47 batches x 15 epochs pass it
        (200, 64, 10, 0, 40),  # no floor: epochs alone (the old rule)
        (64, 64, 1, 0, 1),
    ],
)
def test_planned_steps_take_the_larger_of_floor_and_epochs(
    count: int, batch_size: int, epochs: int, min_steps: int, expected: int
) -> None:
    assert planned_steps(count, batch_size, epochs, min_steps) == expected


def test_a_tiny_labeled_set_is_trained_for_the_floor_of_steps() -> None:
    """20 samples at batch 8 are 3 batches a pass (8, 8 and 4): 50 steps take 17 passes,
    the last one cut short after 2 batches."""
    labels = torch.arange(20) % 2
    images = torch.where(labels[:, None, None, None].bool(), 200, 40).to(torch.uint8)
    images = images.expand(20, 1, 8, 8).clone()
    with seeded(0):
        model = build_model("small-cnn", 1, 2, [0.5], [0.3])
    steps = []
    model.register_forward_pre_hook(lambda module, args: steps.append(len(args[0])))
    settings = TrainSettings(1, 8, 0.05, 128, False, min_steps=50)
    epochs: list[tuple[int, int]] = []
    train_classifier(
        model,
        images,
        labels,
        settings,
        torch.Generator().manual_seed(0),
        lambda epoch, planned, loss: epochs.append((epoch, planned)),
    )
    assert len(steps) == 50
    assert epochs[-1] == (17, 17) and len(epochs) == 17


def test_too_few_items_to_train_are_an_error() -> None:
    with seeded(0):
        model = build_model("small-cnn", 1, 2, [0.5], [0.3])
    settings = TrainSettings(1, 8, 0.05, 128, False, min_steps=5)
    with pytest.raises(ValueError, match="at least 2 items"):
        train_classifier(
            model,
            torch.zeros(1, 1, 8, 8, dtype=torch.uint8),
            torch.zeros(1, dtype=torch.long),
            settings,
            torch.Generator(),
        )

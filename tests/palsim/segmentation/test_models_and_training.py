"""The small FCN's shapes, augmentation that moves image and mask together, mean pixel scores."""

from __future__ import annotations

import torch

from palsim.segmentation.models import SmallFCN, choose_segmenter
from palsim.segmentation.train import crop_flip_pair, evaluate_confusion, train_segmenter
from palsim.strategies.uncertainty import entropy_score, margin_score, pixel_mean, score_pool
from palsim.train import TrainSettings


def test_small_fcn_gives_logits_at_input_size_and_pooled_features() -> None:
    torch.manual_seed(0)
    model = SmallFCN(1, 5, [0.5], [0.25]).eval()
    images = torch.randint(0, 256, (3, 1, 32, 48), dtype=torch.uint8)
    assert model(images).shape == (3, 5, 32, 48)
    assert model.embed(images).shape == (3, model.embedding_dim)
    assert choose_segmenter("auto", (1, 64, 64), "paper") == "small-fcn"


def test_crop_and_flip_move_image_and_mask_alike_and_pad_masks_as_ignored() -> None:
    masks = torch.randint(0, 10, (6, 12, 12), dtype=torch.uint8)
    images = (masks * 20 + 5)[:, None]  # every pixel's grey value names its class
    crops, cropped = crop_flip_pair(images, masks, torch.Generator().manual_seed(1), pad=2)
    inside = cropped != 255
    assert torch.equal(crops[:, 0][inside], cropped[inside] * 20 + 5)
    assert bool((crops[:, 0][~inside] == 0).all())  # shifted in from outside: image 0
    assert bool((~inside).any())  # some sample was translated


def test_mean_pixel_scores_rank_the_uncertain_image_first() -> None:
    sure = torch.tensor([0.9, 0.05, 0.05])[None, :, None, None].expand(1, 3, 2, 2)
    unsure = torch.full((1, 3, 2, 2), 1 / 3)
    half = torch.cat([sure[:, :, :1], unsure[:, :, 1:]], dim=2)  # top row sure, bottom not
    probabilities = torch.cat([sure, unsure, half])
    entropy = pixel_mean(entropy_score(probabilities))
    assert torch.allclose(entropy[1], torch.log(torch.tensor(3.0)))
    assert torch.allclose(entropy[2], (entropy[0] + entropy[1]) / 2)
    margin = pixel_mean(margin_score(probabilities))
    assert torch.allclose(margin, torch.tensor([-0.85, 0.0, -0.425]))


def test_training_fits_a_learnable_mask_and_scores_follow() -> None:
    # The class of a pixel is its image's brightness band: learnable in a few dozen steps.
    generator = torch.Generator().manual_seed(0)
    masks = torch.randint(0, 3, (16, 1, 1), generator=generator).expand(16, 16, 16).contiguous()
    images = (masks.to(torch.uint8) * 100 + 20)[:, None]
    torch.manual_seed(0)
    model = SmallFCN(1, 3, [0.4], [0.3])
    settings = TrainSettings(1, 8, 0.05, 8, augment=False, min_steps=60)
    train_segmenter(model, images, masks.to(torch.uint8), settings, generator)
    confusion = evaluate_confusion(model, images, masks.to(torch.uint8), 3, 8)
    assert int(confusion.diagonal().sum()) / int(confusion.sum()) > 0.95
    scores = score_pool(model, images, 4, entropy_score)
    assert scores.shape == (16,)


def test_deeplab_takes_grey_images_and_says_how_it_started(capsys) -> None:
    from palsim.segmentation.deeplab import cached_imagenet_weights
    from palsim.segmentation.models import build_segmenter

    torch.manual_seed(0)
    model = build_segmenter("deeplabv3-mobilenet", 1, 4, [0.5], [0.25]).eval()
    start = "ImageNet weights from the torch cache" if cached_imagenet_weights() else "from scratch"
    assert capsys.readouterr().err == f"deeplabv3-mobilenet: backbone {start}\n"
    images = torch.randint(0, 256, (2, 1, 64, 64), dtype=torch.uint8)
    with torch.no_grad():
        assert model(images).shape == (2, 4, 64, 64)
        assert model.embed(images).shape == (2, 960)

"""VAAL: a VAE and a discriminator play a minimax game over labeled and unlabeled images.

The VAE learns a latent space of all pool images and tries to make the discriminator believe
every latent comes from the labeled set; the discriminator learns to tell labeled from
unlabeled latents. The samples the discriminator is most sure are unlabeled are those the
labeled set represents worst, and they are queried. The task model is not used.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from palsim.diagnostics import BINARY_CHANCE_LOSS
from palsim.events import epoch_event, phase_event
from palsim.strategies import STRATEGIES
from palsim.strategies.base import QueryContext, Selection, Strategy, at_least, top_k
from palsim.train import apply_batched, planned_steps, seeded

#: Network sizes per preset: (encoder widths, latent dim, discriminator width).
SIZES = {"quick": ((16, 32, 64), 16, 64), "paper": ((128, 256, 512, 1024), 32, 512)}
#: Training epochs on every preset but paper (which takes the task model's epochs).
QUICK_EPOCHS = 3
#: Optimizer steps (one VAE and one discriminator update each) at least, whatever the pool
#: size: a small pool must not shrink the adversarial game to a few dozen steps. Never above
#: the run's own floor (``--min-steps``; 0 there means epochs only, everywhere).
MIN_STEPS = 400
#: The discriminator counts as near chance above this share of ln 2 (its loss at chance).
CHANCE_SHARE = 0.97


def padded_side(side: int, depth: int) -> int:
    """``side`` rounded up to a multiple of 2**depth (28 -> 32 at depth 3)."""
    return math.ceil(side / 2**depth) * 2**depth


def to_signed_unit(images: torch.Tensor, depth: int) -> torch.Tensor:
    """uint8 -> floats in [-1, 1], zero-padded so each side divides by 2**depth (28 -> 32)."""
    side = images.shape[-1]
    padded = padded_side(side, depth)
    low = (padded - side) // 2
    floats = images.float().div(127.5).sub(1.0)
    return F.pad(floats, (low, padded - side - low, low, padded - side - low), value=-1.0)


class VAE(nn.Module):
    """Convolutional VAE: stride-2 4x4 convolutions down, transposed convolutions up."""

    def __init__(self, channels: int, side: int, widths: tuple[int, ...], latent_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        previous = channels
        for width in widths:
            layers += [
                nn.Conv2d(previous, width, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            previous = width
        self.encoder = nn.Sequential(*layers, nn.Flatten())
        self.grid = (widths[-1], side // 2 ** len(widths), side // 2 ** len(widths))
        flat = math.prod(self.grid)
        self.mean = nn.Linear(flat, latent_dim)
        self.log_variance = nn.Linear(flat, latent_dim)
        self.expand = nn.Linear(latent_dim, flat)
        layers = []
        for width in reversed(widths[:-1]):
            layers += [
                nn.ConvTranspose2d(previous, width, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
            previous = width
        layers += [nn.ConvTranspose2d(previous, channels, 4, 2, 1), nn.Tanh()]
        self.decoder = nn.Sequential(*layers)

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(images)
        return self.mean(hidden), self.log_variance(hidden).clamp(-10, 10)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, log_variance = self.encode(images)
        latent = mean + torch.randn_like(mean) * (0.5 * log_variance).exp()
        decoded = self.decoder(F.relu(self.expand(latent)).view(-1, *self.grid))
        return decoded, mean, log_variance


def discriminator(latent_dim: int, width: int) -> nn.Module:
    """MLP from a latent to the logit of "this sample is labeled"."""
    return nn.Sequential(
        nn.Linear(latent_dim, width),
        nn.ReLU(inplace=True),
        nn.Linear(width, width),
        nn.ReLU(inplace=True),
        nn.Linear(width, 1),
    )


def vae_loss(
    images: torch.Tensor,
    decoded: torch.Tensor,
    mean: torch.Tensor,
    log_variance: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Mean squared reconstruction error plus ``beta`` x KL(q(z|x) || N(0, I)) per sample."""
    reconstruction = F.mse_loss(decoded, images)
    kl = -0.5 * (1 + log_variance - mean.square() - log_variance.exp()).sum(dim=1).mean()
    return reconstruction + beta * kl / images[0].numel()


def unlabeled_score(labeled_logits: torch.Tensor) -> torch.Tensor:
    """Probability that a sample is unlabeled, by the discriminator: 1 - sigmoid(logit)."""
    return torch.sigmoid(-labeled_logits)


@dataclass(frozen=True)
class VaalOptions:
    epochs: int = 0  # passes of pool-size samples; 0: 3 on quick, the task model's on paper
    min_steps: int = 0  # VAE + discriminator steps at least; 0: MIN_STEPS, capped by --min-steps
    latent_dim: int = 0  # VAE latent size; 0: 16 on quick, 32 (the paper's) on paper
    width: int = 0  # first encoder width (doubling per layer); 0: 16 quick, 128 paper
    adversary_weight: float = 1.0  # weight of the VAE's fool-the-discriminator loss
    beta: float = 1.0  # weight of the KL term of the VAE
    learning_rate: float = 5e-4  # Adam, both networks (the authors' setting)
    # Labeled and unlabeled samples per step, each.
    batch_size: int = field(default=64, metadata=at_least(1))


@STRATEGIES.register("vaal", "VAE + discriminator: query what looks least like the labeled set")
class VaalStrategy(Strategy):
    """Variational Adversarial Active Learning.

    Both networks are trained from scratch each cycle (seeded from ``ctx.seed``); each step
    takes one labeled and one unlabeled batch; the discriminator's probability of "unlabeled"
    is the score.

    References: Sinha, Ebrahimi, Darrell, Variational Adversarial Active Learning
    (ICCV 2019), arXiv 1904.00370.
    """

    reference = "Sinha, Ebrahimi, Darrell, ICCV 2019, arXiv 1904.00370"

    Options = VaalOptions

    def sizes(self, ctx: QueryContext) -> tuple[tuple[int, ...], int, int, int]:
        widths, latent_dim, disc_width = SIZES.get(ctx.preset, SIZES["quick"])
        epochs = ctx.train.epochs if ctx.preset == "paper" else QUICK_EPOCHS
        options = self.options
        if options.width:
            widths = tuple(options.width * 2**i for i in range(len(widths)))
        return (widths, options.latent_dim or latent_dim, disc_width, options.epochs or epochs)

    def select(self, ctx: QueryContext, budget: int) -> Selection:
        widths, latent_dim, disc_width, epochs = self.sizes(ctx)
        channels, side = ctx.pool_images.shape[1], ctx.pool_images.shape[-1]
        with seeded(ctx.seed):
            # 1. Fresh networks every cycle.
            vae = VAE(channels, padded_side(side, len(widths)), widths, latent_dim).to(ctx.device)
            critic = discriminator(latent_dim, disc_width).to(ctx.device)
            # 2. Adversarial training over labeled and unlabeled batches.
            critic_loss_value = self.train_networks(ctx, vae, critic, epochs, widths)
            # 3. Score the unlabeled pool: probability of being unlabeled.
            vae.eval()
            critic.eval()

            def score(images: torch.Tensor) -> torch.Tensor:
                mean, _ = vae.encode(to_signed_unit(images, len(widths)))
                return unlabeled_score(critic(mean)[:, 0])

            scores = apply_batched(score, ctx.pool_images[ctx.unlabeled], ctx.train.eval_batch_size)
        chosen = top_k(scores, ctx.unlabeled, budget)
        diagnostics = {
            "vaal_discriminator_loss": critic_loss_value,
            "vaal_discriminator_chance_loss": BINARY_CHANCE_LOSS,
        }
        warnings: tuple[str, ...] = ()
        if critic_loss_value > CHANCE_SHARE * BINARY_CHANCE_LOSS:
            warnings = (
                f"VAAL discriminator ends the cycle near chance: loss "
                f"{critic_loss_value:.3f} (chance {BINARY_CHANCE_LOSS:.3f})",
            )
        return dataclasses.replace(chosen, diagnostics=diagnostics, warnings=warnings)

    def train_networks(
        self, ctx: QueryContext, vae: VAE, critic: nn.Module, epochs: int, widths: tuple[int, ...]
    ) -> float:
        """Adversarial training; returns the discriminator's mean loss per side, last epoch.

        ``max(min_steps, epochs x pool / batch)`` steps. Per side (labeled, unlabeled) the
        loss is a binary cross-entropy: ln 2 means the discriminator cannot tell them apart.
        """
        options = self.options
        depth = len(widths)
        vae_optimizer = torch.optim.Adam(vae.parameters(), lr=options.learning_rate)
        critic_optimizer = torch.optim.Adam(critic.parameters(), lr=options.learning_rate)
        per_epoch = math.ceil(len(ctx.pool_images) / options.batch_size)
        floor = options.min_steps or min(MIN_STEPS, ctx.train.min_steps)
        remaining = planned_steps(len(ctx.pool_images), options.batch_size, epochs, floor)
        epochs = math.ceil(remaining / per_epoch)
        detail = f"VAE {'-'.join(str(width) for width in widths)} + discriminator, {epochs} epochs"
        ctx.emit(phase_event(cycle=ctx.cycle, phase="vaal", detail=detail))
        vae.train()
        critic.train()
        mean_loss = float("nan")
        for epoch in range(1, epochs + 1):
            total = torch.zeros((), device=ctx.device)
            steps = min(per_epoch, remaining)
            remaining -= steps
            for _ in range(steps):
                labeled = self.batch(ctx, ctx.labeled, depth)
                unlabeled = self.batch(ctx, ctx.unlabeled, depth)
                total += self.step(vae, critic, labeled, unlabeled, vae_optimizer, critic_optimizer)
            # critic_loss sums the two sides' cross-entropies.
            mean_loss = float(total) / steps / 2
            ctx.emit(
                epoch_event(
                    cycle=ctx.cycle, phase="vaal", epoch=epoch, epochs=epochs, loss=mean_loss
                )
            )
        return mean_loss

    def batch(self, ctx: QueryContext, positions: torch.Tensor, depth: int) -> torch.Tensor:
        """A batch drawn with replacement (the labeled set may be smaller than a batch)."""
        draw = torch.randint(len(positions), (self.options.batch_size,), generator=ctx.generator)
        return to_signed_unit(ctx.pool_images[positions[draw.to(positions.device)]], depth)

    def step(
        self,
        vae: VAE,
        critic: nn.Module,
        labeled: torch.Tensor,
        unlabeled: torch.Tensor,
        vae_optimizer: torch.optim.Optimizer,
        critic_optimizer: torch.optim.Optimizer,
    ) -> torch.Tensor:
        """One VAE update (reconstruct both, fool the critic), then one critic update.

        Returns the critic's loss (a tensor, so that no step waits for the device).
        """
        options = self.options
        decoded_l, mean_l, log_var_l = vae(labeled)
        decoded_u, mean_u, log_var_u = vae(unlabeled)
        reconstruction = vae_loss(labeled, decoded_l, mean_l, log_var_l, options.beta)
        reconstruction = reconstruction + vae_loss(
            unlabeled, decoded_u, mean_u, log_var_u, options.beta
        )
        # The VAE wants both latents taken for labeled ones.
        fool = critic_loss(critic, mean_l, mean_u, unlabeled_target=1.0)
        vae_optimizer.zero_grad(set_to_none=True)
        (reconstruction + options.adversary_weight * fool).backward()
        vae_optimizer.step()
        # The critic sees the updated VAE's latents as data: labeled -> 1, unlabeled -> 0.
        with torch.no_grad():
            mean_l, mean_u = vae.encode(labeled)[0], vae.encode(unlabeled)[0]
        loss = critic_loss(critic, mean_l, mean_u, unlabeled_target=0.0)
        critic_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        critic_optimizer.step()
        return loss.detach()


def critic_loss(
    critic: nn.Module, labeled: torch.Tensor, unlabeled: torch.Tensor, unlabeled_target: float
) -> torch.Tensor:
    """BCE of the critic on labeled latents (target 1) plus on unlabeled ones (given target)."""
    logits_l, logits_u = critic(labeled)[:, 0], critic(unlabeled)[:, 0]
    return F.binary_cross_entropy_with_logits(
        logits_l, torch.ones_like(logits_l)
    ) + F.binary_cross_entropy_with_logits(logits_u, torch.full_like(logits_u, unlabeled_target))

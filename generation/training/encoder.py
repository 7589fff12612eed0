"""The posterior encoder of the reconstruction path (training only; never exported).

GALIP learns from the adversarial signal alone, which on a 2-core CPU converged to soft blobs
that miss small objects. Our renderer gives the true picture of every caption, so G can also be
taught by reconstruction, as in a conditional VAE-GAN (Larsen et al., 2016; BicycleGAN's cVAE-GAN
branch, Zhu et al., 2017): this encoder reads a real render and proposes the noise vector that
G should turn into exactly that render under its caption. G then pays L1 to the render, and the
encoder pays a KL term towards N(0, 1), so that the layouts it encodes are the ones that plain
Gaussian noise (the engine's seeds) reaches at sampling time. The caption decides *what* is
drawn, the noise *where*: seeds then differ in layout as renders of one caption do.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn


class PosteriorEncoder(nn.Module):
    """[B, 3, H, W] in [-1, 1] -> (mu, logvar), each [B, nz]. Stride-2 convs down to 4x4
    whatever the size (H = W, a power of two >= 16), then a linear read-out."""

    def __init__(self, nz: int, size: int, width: int = 32) -> None:
        super().__init__()
        n_down = max(1, size.bit_length() - 3)  # size -> 4
        chans = [width * min(2**i, 8) for i in range(n_down + 1)]
        layers: list[nn.Module] = [nn.Conv2d(3, chans[0], 3, 1, 1), nn.LeakyReLU(0.2)]
        for cin, cout in itertools.pairwise(chans):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1), nn.GroupNorm(min(8, cout), cout), nn.LeakyReLU(0.2)]
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1] * 16, 2 * nz)
        nn.init.zeros_(self.head.weight)  # starts at the prior: mu 0, logvar 0
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.trunk(x)
        h = nn.functional.adaptive_avg_pool2d(h, 4).flatten(1)
        mu, logvar = self.head(h).chunk(2, dim=1)
        return mu, logvar.clamp(-10.0, 4.0)


def kl_to_prior(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)), summed over the noise dimensions, mean over the batch."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1).mean()


def dimensions_read(logvar: torch.Tensor) -> torch.Tensor:
    """[nz] in [0, 1]: how much the encoder reads each noise dimension off a batch, 1 - its mean
    posterior variance (0 where its KL left the dimension at the prior, N(0, 1))."""
    return (1.0 - logvar.detach().float().exp().mean(0)).clamp(0.0, 1.0)


__all__ = ["PosteriorEncoder", "dimensions_read", "kl_to_prior"]

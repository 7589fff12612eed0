"""Noise: one seed, one deterministic draw on the CPU (then moved to the device), so a seed means
the same noise on every device."""

from __future__ import annotations

import math

import torch

__all__ = ["sample_noise", "TRUNCATION_BOUND"]

# DF-GAN's truncation: a normal truncated to [-2, 2], times the rate (tobran/DF-GAN utils.truncated_noise).
TRUNCATION_BOUND = 2.0


def sample_noise(seed: int, count: int, nz: int, truncation: float = 1.0) -> torch.Tensor:
    """``count`` noise vectors [count, nz] (fp32, CPU) for one seed.

    truncation == 1.0: plain N(0, I), as GALIP samples. truncation < 1: the DF-GAN trick: a
    standard normal truncated to [-2, 2] (inverse-CDF sampling, so it stays one deterministic
    draw per seed) multiplied by ``truncation``.
    """
    generator = torch.Generator(device="cpu").manual_seed(int(seed) % 2**32)
    if truncation >= 1.0:
        return torch.randn(count, nz, generator=generator)
    lo = 0.5 * (1 + math.erf(-TRUNCATION_BOUND / math.sqrt(2)))
    hi = 1 - lo
    u = torch.rand(count, nz, generator=generator, dtype=torch.float64) * (hi - lo) + lo
    values: torch.Tensor = torch.special.ndtri(u) * truncation
    return values.float()

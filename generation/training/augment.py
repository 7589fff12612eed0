"""DiffAugment (Zhao et al., 2020): the same differentiable augmentation on real and fake images
before the discriminator, so D cannot memorise and G still gets gradients through it.

Only geometric policies are offered: colour jitter would change exactly what the captions say
("a red tomato", "at sunset").
"""

from __future__ import annotations

import torch


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ratio·size pixels, padding with edge pixels (no black bars that
    D could learn as a fake cue)."""
    b, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (b, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (b, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    iy = (gy[None] + dy).clamp(0, h - 1)
    ix = (gx[None] + dx).clamp(0, w - 1)
    flat = (iy * w + ix).view(b, 1, h * w).expand(-1, x.shape[1], -1)
    return x.flatten(2).gather(2, flat).view_as(x)


def cutout(x: torch.Tensor, ratio: float = 0.25) -> torch.Tensor:
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + 1 - ch, (b, 1, 1), device=x.device)
    cx = torch.randint(0, w + 1 - cw, (b, 1, 1), device=x.device)
    gy, gx = torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")
    inside = (gy[None] >= cy) & (gy[None] < cy + ch) & (gx[None] >= cx) & (gx[None] < cx + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES = {"translation": translation, "cutout": cutout}


def diff_augment(x: torch.Tensor, policy: str) -> torch.Tensor:
    for name in filter(None, (p.strip() for p in policy.split(","))):
        if name not in POLICIES:
            raise ValueError(f"unknown DiffAugment policy {name!r}; known: {', '.join(POLICIES)}")
        x = POLICIES[name](x)
    return x

"""From the generator's native size to exactly the size asked for, without stretching.

1. :func:`plan_grid` picks a bridge grid (gh, gw) whose aspect ratio is closest to the request,
   keeping the short side at the trained grid, so the generator itself draws a wide or tall
   picture (docs/engine.md, "Sizes").
2. :func:`cover_crop` scales the native image uniformly until it covers the target (the package's
   super-resolution net first, if it has one, then bicubic with antialiasing), and cuts the small
   remainder evenly from both sides. Both axes always get the same scale factor.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .configs import SRConfig

# Output pixels per pass of the SR net on a CPU. Sixteen 128 px frames at once (an interpolation)
# took 1.26 s here, two at a time 0.55 s: the activations of a whole batch at 512 px outgrow the
# caches. On a GPU the whole batch goes at once.
SR_CPU_PIXELS = 2 * 512 * 512

__all__ = ["SRConfig", "SRNet", "plan_grid", "cover_crop", "upscale_to"]


def plan_grid(width: int, height: int, grid: int, max_aspect: float = 4.0) -> tuple[int, int]:
    """Bridge grid (gh, gw) for a target size: short side = ``grid``, long side chosen (floor or
    ceil) to make the smallest crop, capped at ``max_aspect`` times the short side."""
    ratio = width / height
    long_ratio = max(ratio, 1 / ratio)
    cap = max(grid, int(math.floor(grid * max_aspect)))
    exact = grid * long_ratio
    options = {min(cap, max(grid, math.floor(exact))), min(cap, max(grid, math.ceil(exact)))}
    # The crop fraction is |log(native ratio / target ratio)|; pick the option that minimises it.
    best = min(sorted(options), key=lambda cells: abs(math.log(cells / exact)))
    return (grid, best) if ratio >= 1 else (best, grid)


def cover_crop(images: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Resize [B,C,h,w] uniformly (bicubic, antialiased) to cover width x height, then center-crop."""
    h, w = images.shape[-2:]
    scale = max(width / w, height / h)
    new_w, new_h = max(width, round(w * scale)), max(height, round(h * scale))
    if (new_h, new_w) != (h, w):
        images = F.interpolate(images, size=(new_h, new_w), mode="bicubic", align_corners=False, antialias=True)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return images[..., top : top + height, left : left + width]


class _ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.leaky_relu(self.conv1(x), 0.2))


class SRNet(nn.Module):
    """images [-1,1] [B,3,h,w] -> [B,3,h*s,w*s]: bicubic upsample plus a learned residual.

    The residual's last conv starts at zero, so an untrained SRNet is exactly bicubic: a package
    can ship the slot before a trained net exists without degrading its pictures.
    """

    def __init__(self, cfg: SRConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or SRConfig()
        self.cfg = cfg
        self.head = nn.Conv2d(3, cfg.channels, 3, 1, 1)
        self.body = nn.Sequential(*[_ResBlock(cfg.channels) for _ in range(cfg.blocks)])
        self.tail = nn.Conv2d(cfg.channels, 3 * cfg.scale * cfg.scale, 3, 1, 1)
        self.shuffle = nn.PixelShuffle(cfg.scale)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.cfg.scale
        base = F.interpolate(x, scale_factor=s, mode="bicubic", align_corners=False)
        return base + self.shuffle(self.tail(self.body(self.head(x))))


def upscale_to(images: torch.Tensor, width: int, height: int, sr: SRNet | None = None) -> tuple[torch.Tensor, str]:
    """Native images [-1,1] -> exactly [B,3,height,width] in [-1,1], and a name of the method used."""
    h, w = images.shape[-2:]
    method = "bicubic-cover-crop"
    if sr is not None and max(width / w, height / h) > 1.0:
        per = len(images)
        if images.device.type == "cpu":  # a few pictures per pass: 16 at once thrash the caches
            per = max(1, SR_CPU_PIXELS // (h * w * sr.cfg.scale**2))
        images = torch.cat([sr(part) for part in images.split(per)]).clamp(-1, 1)
        method = f"sr-x{sr.cfg.scale}+bicubic-cover-crop"
    return cover_crop(images, width, height).clamp(-1, 1), method

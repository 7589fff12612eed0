"""Training of the engine's small super-resolution net (SRNet, ×4) on renders.

Pairs are the same scene drawn at the generator's native size and at 4× that size, so the net
learns to restore the edges the synthetic categories are made of. The low-resolution side gets
a little blur and noise because it will be fed GAN samples, which are softer than renders
(`SRTrainConfig.blur` adds a Gaussian blur of random strength, for a net that restores).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF

from generation.engine.upscale import SRConfig, SRNet

from .config import SRTrainConfig
from .synthetic import CATEGORIES, render, sample_scene


def _pairs(cfg: SRTrainConfig, categories: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    lo, hi = [], []
    for i in range(cfg.n_scenes):
        cat = categories[i % len(categories)]
        sc = sample_scene(cat, 40_000_000 + i, "any")
        lo.append(np.asarray(render(sc, cfg.native)))
        hi.append(np.asarray(render(sc, cfg.native * cfg.scale)))

    def t(a: list[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).contiguous()

    return t(lo), t(hi)


def degrade(x: torch.Tensor, blur: float, g: torch.Generator) -> torch.Tensor:
    """Soften low-resolution renders [B, 3, h, w] in [-1, 1] the way G's pictures are soft: a
    light box blur of random strength, a Gaussian of random sigma up to `blur`, a little noise."""
    h, w = x.shape[-2:]
    mix = torch.rand(x.shape[0], 1, 1, 1, generator=g) * 0.5
    x = x * (1 - mix) + F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1) * mix
    if blur > 0:
        sigma = float(torch.rand((), generator=g)) * blur
        if sigma > 0.1:
            k = 2 * int(np.ceil(2.5 * sigma)) + 1
            x = TF.gaussian_blur(F.pad(x, (k // 2,) * 4, mode="replicate"), [k, k], [sigma, sigma])
            x = x[:, :, k // 2 : k // 2 + h, k // 2 : k // 2 + w]
    return x + torch.randn(x.shape, generator=g) * 0.02


def train_sr(
    cfg: SRTrainConfig, out: str | Path | None = None, log=print, categories: tuple[str, ...] = CATEGORIES
) -> SRNet:
    """Train on renders of `categories` (a net of its own per category restores its shapes best)."""
    torch.manual_seed(cfg.seed)
    lo, hi = _pairs(cfg, categories)
    net = SRNet(SRConfig(cfg.scale, cfg.channels, cfg.blocks))
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
    g = torch.Generator().manual_seed(cfg.seed)
    t0 = time.time()
    s, c = cfg.scale, cfg.crop
    for step in range(cfg.steps):
        idx = torch.randint(0, len(lo), (cfg.batch_size,), generator=g)
        y0, x0 = (int(v) for v in torch.randint(0, cfg.native - c + 1, (2,), generator=g))
        x = lo[idx, :, y0 : y0 + c, x0 : x0 + c].float().div(127.5).sub(1)
        y = hi[idx, :, y0 * s : (y0 + c) * s, x0 * s : (x0 + c) * s].float().div(127.5).sub(1)
        x = degrade(x, cfg.blur, g)
        loss = (net(x) - y).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == cfg.steps - 1:
            log(f"[sr] step {step} l1 {loss.item():.4f} {time.time() - t0:.0f}s")
    net.eval().requires_grad_(False)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {"config": {"scale": cfg.scale, "channels": cfg.channels, "blocks": cfg.blocks}, "state": net.state_dict()},
            out,
        )
    return net


def load_sr(path: str | Path) -> SRNet:
    data = torch.load(path, map_location="cpu", weights_only=False)
    c = data["config"]
    net = SRNet(SRConfig(c["scale"], c["channels"], c["blocks"]))
    net.load_state_dict(data["state"])
    return net.eval().requires_grad_(False)


@torch.no_grad()
def bicubic_gain(
    net: SRNet, n: int = 60, native: int = 64, categories: tuple[str, ...] = CATEGORIES
) -> dict[str, float]:
    """L1 to the true 4× render: SR vs plain bicubic, on scenes it was not trained on."""
    sr_err, bic_err = [], []
    for i in range(n):
        sc = sample_scene(categories[i % len(categories)], 41_000_000 + i, "any")
        x = torch.from_numpy(np.array(render(sc, native))).permute(2, 0, 1)[None].float().div(127.5).sub(1)
        y = (
            torch.from_numpy(np.array(render(sc, native * net.cfg.scale)))
            .permute(2, 0, 1)[None]
            .float()
            .div(127.5)
            .sub(1)
        )
        sr_err.append((net(x).clamp(-1, 1) - y).abs().mean().item())
        bic = F.interpolate(x, scale_factor=net.cfg.scale, mode="bicubic", align_corners=False).clamp(-1, 1)
        bic_err.append((bic - y).abs().mean().item())
    return {"sr_l1": float(np.mean(sr_err)), "bicubic_l1": float(np.mean(bic_err))}

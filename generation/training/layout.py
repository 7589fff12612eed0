"""Layout: whether two pictures of one prompt are two pictures, or one picture wobbled.

The issue behind it: seeds of one prompt that the eye reads as "the same picture" scored 0.7-0.8
of the renders' own spread on the fidelity net's 8 x 8 feature map. That measure counts any
difference: one render with its colours shifted a little scores 0.5-1.2 of a new layout there,
and one render warped by 4 % of its width 0.45-0.7; so do pixels at 8 x 8 or 16 x 16.

`LayoutNet` is trained for exactly this question, on renders only (never used in training or
screening): two renders of one scene, each wobbled (a smooth warp of a few per cent, a colour
tint, a blur, a shift: what changes between seeds that do not change the picture), must embed
close together, and apart from the same caption drawn with another layout seed (the sun
elsewhere, other peaks, the ingredients moved) and from other scenes (InfoNCE). The seed spread
of a model is then the mean distance between its seeds of one prompt over the mean distance
between renders of that caption with other layout seeds, in this embedding; its anchor is one
render wobbled the same way (what "the same picture" scores).
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from safetensors.torch import load_file, save_file
from torch import nn

from .renders import SIZE, render_variants, shrink
from .synthetic import sample_scene

ASSETS = Path(__file__).resolve().parent / "assets"
DIM = 64


class LayoutNet(nn.Module):
    """Five stride-2 conv stages (128 -> 4 px) and a linear map of the 4 x 4 grid to a unit
    vector: it keeps where things are (the grid is not pooled away)."""

    def __init__(self, width: int = 16, dim: int = DIM) -> None:
        super().__init__()
        chans = [3, width, width * 2, width * 4, width * 4, width * 8]
        self.stages = nn.Sequential(
            *(
                nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
                for cin, cout in itertools.pairwise(chans)
            )
        )
        self.head = nn.Linear(chans[-1] * 16, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != SIZE or x.shape[-2] != SIZE:
            x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", antialias=True, align_corners=False)
        return F.normalize(self.head(self.stages(x).flatten(1)), dim=1)


def layout_path(category: str) -> Path:
    return ASSETS / f"layout-{category}.safetensors"


def save_layout(net: LayoutNet, path: str | Path, category: str) -> None:
    state = {k: v.detach().half().contiguous() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata={"category": category})


def load_layout(path: str | Path) -> LayoutNet:
    if not Path(path).exists():
        raise FileNotFoundError(f"no layout net at {path}: train it with `python -m generation.training train-layout`")
    net = LayoutNet()
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()})
    return net.eval()


def wobble(
    x: torch.Tensor, g: torch.Generator, warp: float = 0.05, tint: float = 0.04, blur: float = 1.5
) -> torch.Tensor:
    """What may change without making a new picture: a smooth random warp of up to `warp` of the
    width, a colour tint, a blur of up to `blur` px and a shift of a few pixels (x in [-1, 1])."""
    b, _, h, w = x.shape
    amp = torch.rand(b, 1, 1, 1, generator=g) * warp * 2  # grid units: [-1, 1] is the width
    field = F.interpolate(torch.randn(b, 2, 4, 4, generator=g) * amp, size=(h, w), mode="bicubic", align_corners=False)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    grid = torch.stack([xs, ys], -1).unsqueeze(0) + field.permute(0, 2, 3, 1)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
    out = out + torch.randn(b, 3, 1, 1, generator=g) * tint
    sigma = float(torch.rand((), generator=g)) * blur
    if sigma > 0.2:
        out = TF.gaussian_blur(out, kernel_size=2 * round(3 * sigma) + 1, sigma=sigma)
    dx, dy = (int(v) for v in torch.randint(-4, 5, (2,), generator=g))
    return torch.roll(out, (dy, dx), (2, 3)).clamp(-1, 1)


def _layouts(category: str, n: int, seed: int) -> torch.Tensor:
    """[n, 2, 3, SIZE, SIZE]: each scene's attributes drawn with two layout seeds."""
    return torch.stack([shrink(render_variants(sample_scene(category, seed + i, "any"), 2, salt=7)) for i in range(n)])


def train_layout_net(
    category: str,
    *,
    n_train: int = 1500,
    steps: int = 600,
    batch: int = 32,
    seed: int = 0,
    temperature: float = 0.1,
    log=print,
) -> LayoutNet:
    """InfoNCE over a batch of scenes: each scene's wobbled render must find its other wobbled
    copy among every copy and every other-layout render of the batch."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    x = _layouts(category, n_train, 60_000_000 + seed * 100_000)
    log(f"[layout {category}] {n_train} scenes x 2 layouts rendered in {time.time() - t0:.0f} s")
    net = LayoutNet()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    net.train()
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        pair = x[idx]
        a, p, other = (net(wobble(v, g)) for v in (pair[:, 0], pair[:, 0], pair[:, 1]))
        logits = a @ torch.cat([p, other]).T / temperature
        loss = F.cross_entropy(logits, torch.arange(batch))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps:
            log(f"[layout {category}] step {step}/{steps}: loss {loss.item():.3f} ({time.time() - t0:.0f} s)")
    return net.eval()


@torch.no_grad()
def spread(net: LayoutNet, groups: list[torch.Tensor]) -> float:
    """Mean cosine distance between the pictures of each group (one prompt's seeds), averaged."""
    values = []
    for x in groups:
        e = net(x.float())
        n = len(e)
        if n > 1:
            values.append(float((1 - e @ e.T).sum() / (n * (n - 1))))
    return sum(values) / len(values) if values else 0.0


__all__ = ["LayoutNet", "layout_path", "load_layout", "save_layout", "spread", "train_layout_net", "wobble"]

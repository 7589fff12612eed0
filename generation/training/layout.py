"""Layout: where each part of a picture sits, and whether two pictures of one prompt differ there.

The issue behind it: seeds of one prompt that the eye reads as "the same picture" scored 0.7-0.8
of the renders' own spread on the fidelity net's 8 x 8 feature map, which counts any difference:
one render with its colours shifted a little scores 0.5-1.2 of a new layout there. An embedding
trained to tell a new layout from a wobbled copy (InfoNCE) still read the packages from before
the issue, whose seeds the eye calls one picture, at 0.63-0.70.

What the eye compares is where things are: the sun, the peaks, the river, each ingredient, the
face. The renderers say so for their own pictures (`Canvas.part`: a part map beside the
pixels), so `LayoutNet` learns, on renders only (never used in training or screening), to draw
the part map of a picture: which share of each cell of a GRID x GRID grid each part covers,
from renders degraded the ways a generator's pictures are (soft, tinted, shrunk, noisy), with
the map warped along with the picture.

Two pictures then differ by `distance`: how far each part both show moved (its centre and its
extent, in picture widths), averaged over those parts. The seed spread of a model
(`seed_spread`) is how much more its seeds of one prompt move things than one of its pictures
wobbled does, over how much more renders of that caption with other layout seeds move them than
one render wobbled does: 0 for seeds that are one picture, 1 for seeds as varied as the renders.

The evaluation's nets (assets/layout-<category>.safetensors) are never used in training. The
trainer's mode seeking on layout (Stage.ms_layout_w) trains a net of its own with this code, on
other renders and another seed, and kept in its run's folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from safetensors.torch import load_file, save_file
from torch import nn

from .renders import SIZE, shrink, to_tensor
from .synthetic import RENDERERS, render_parts, sample_scene

ASSETS = Path(__file__).resolve().parent / "assets"
GRID = 32  # the part map's cells: 4 x 4 px of a SIZE picture
PRESENT = 0.005  # a part counts in a picture from half a per cent of its area on (5 cells)


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class LayoutNet(nn.Module):
    """A small U-net: four stride-2 stages (128 -> 8 px), then back up to GRID with the 16 and
    32 px stages' features; logits of the parts (+ "none") in each cell."""

    def __init__(self, n_parts: int, width: int = 16) -> None:
        super().__init__()
        w = width
        self.down = nn.ModuleList(
            [_block(3, w, 2), _block(w, 2 * w, 2), _block(2 * w, 4 * w, 2), _block(4 * w, 4 * w, 2)]
        )
        self.mid = _block(4 * w, 4 * w, 1)
        self.up16 = _block(8 * w, 4 * w, 1)
        self.up32 = _block(6 * w, 2 * w, 1)
        self.head = nn.Conv2d(2 * w, n_parts + 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != SIZE or x.shape[-2] != SIZE:
            x = shrink(x)
        skips = []
        for stage in self.down:
            x = stage(x)
            skips.append(x)
        x = self.mid(x)
        x = self.up16(torch.cat([F.interpolate(x, scale_factor=2.0), skips[2]], 1))
        x = self.up32(torch.cat([F.interpolate(x, scale_factor=2.0), skips[1]], 1))
        return self.head(x)

    @torch.no_grad()
    def part_map(self, x: torch.Tensor) -> torch.Tensor:
        """[B, parts + 1, GRID, GRID]: the share of each cell each part covers, as read."""
        return self(x.float()).softmax(1)


def layout_path(category: str) -> Path:
    return ASSETS / f"layout-{category}.safetensors"


def save_layout(net: LayoutNet, path: str | Path, category: str) -> None:
    state = {k: v.detach().half().contiguous() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata={"category": category, "parts": ",".join(RENDERERS[category].parts)})


def load_layout(path: str | Path) -> LayoutNet:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no layout net at {path}: train it with `python -m generation.training train-layout`")
    state = load_file(str(path))
    net = LayoutNet(n_parts=state["head.weight"].shape[0] - 1)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return net.eval()


def _field(b: int, h: int, w: int, g: torch.Generator, warp: float) -> torch.Tensor:
    """A smooth random sampling grid [b, h, w, 2] that moves points by up to `warp` of the width."""
    amp = torch.rand(b, 1, 1, 1, generator=g) * warp * 2  # grid units: [-1, 1] is the width
    field = F.interpolate(torch.randn(b, 2, 4, 4, generator=g) * amp, size=(h, w), mode="bicubic", align_corners=False)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    return torch.stack([xs, ys], -1).unsqueeze(0) + field.permute(0, 2, 3, 1)


def _look(x: torch.Tensor, g: torch.Generator, tint: float, blur: float) -> torch.Tensor:
    """Colour and sharpness changes that move nothing: a tint, a blur of up to `blur` px."""
    out = x + torch.randn(x.shape[0], 3, 1, 1, generator=g) * tint
    sigma = float(torch.rand((), generator=g)) * blur
    if sigma > 0.2:
        out = TF.gaussian_blur(out, kernel_size=2 * round(3 * sigma) + 1, sigma=sigma)
    return out


def wobble(
    x: torch.Tensor, g: torch.Generator, warp: float = 0.05, tint: float = 0.04, blur: float = 1.5
) -> torch.Tensor:
    """What may change without making a new picture: a smooth random warp of up to `warp` of the
    width, a colour tint, a blur of up to `blur` px and a shift of a few pixels (x in [-1, 1])."""
    b, _, h, w = x.shape
    out = F.grid_sample(x, _field(b, h, w, g, warp), mode="bilinear", padding_mode="border", align_corners=True)
    out = _look(out, g, tint, blur)
    dx, dy = (int(v) for v in torch.randint(-4, 5, (2,), generator=g))
    return torch.roll(out, (dy, dx), (2, 3)).clamp(-1, 1)


def degrade(x: torch.Tensor, maps: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Renders made to look like a generator's pictures, and their part maps moved with them:
    a small warp (both), a tint, a blur or a trip through 32-64 px, noise."""
    b, _, h, w = x.shape
    grid = _field(b, h, w, g, 0.03)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
    small = F.interpolate(grid.permute(0, 3, 1, 2), size=maps.shape[-2:], mode="bilinear", align_corners=True)
    maps = F.grid_sample(maps, small.permute(0, 2, 3, 1), mode="bilinear", padding_mode="border", align_corners=True)
    x = _look(x, g, tint=0.1, blur=2.5)
    if float(torch.rand((), generator=g)) < 0.5:
        low = int(torch.randint(32, 80, (), generator=g))
        x = F.interpolate(shrink(x, low), size=(h, w), mode="bilinear", align_corners=False)
    x = x + torch.randn(x.shape, generator=g) * float(torch.rand((), generator=g)) * 0.08
    return x.clamp(-1, 1), maps


def renders_with_parts(category: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n renders at SIZE px of scenes from `seed` on, and their part maps [n, parts + 1, GRID, GRID]."""
    images, maps = [], []
    for i in range(n):
        image, part_map = render_parts(sample_scene(category, seed + i, "any"), SIZE, GRID)
        images.append(image)
        maps.append(part_map)
    return to_tensor(images), torch.from_numpy(np.stack(maps))


def train_layout_net(
    category: str, *, n_train: int = 3000, steps: int = 1500, batch: int = 32, seed: int = 0, log=print
) -> LayoutNet:
    """The part map of degraded renders, by cross-entropy to the true shares; each part weighted
    by 1 / sqrt of its area, so the sun and the eyes count beside the ground and the face."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    x, maps = renders_with_parts(category, n_train, 60_000_000 + seed * 100_000)
    log(f"[layout {category}] {n_train} renders with their part maps in {time.time() - t0:.0f} s")
    area = maps.mean((0, 2, 3)).clamp_min(1e-4)
    weight = (area.sum() / area).sqrt()
    weight = (weight / weight.mean()).view(1, -1, 1, 1)
    net = LayoutNet(n_parts=maps.shape[1] - 1)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    net.train()
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        images, target = degrade(x[idx], maps[idx], g)
        loss = -(weight * target * net(images).log_softmax(1)).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == steps:
            log(f"[layout {category}] step {step}/{steps}: loss {loss.item():.3f} ({time.time() - t0:.0f} s)")
    return net.eval()


def describe(maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Where each part sits in part maps [n, P+1, G, G]: [n, P, 4] (its centre x, y and its
    extent x, y, in picture widths) and [n, P] (its share of the picture)."""
    p = maps[:, 1:]
    mass = p.sum((2, 3)).clamp_min(1e-6)
    c = (torch.arange(p.shape[-1], dtype=p.dtype, device=p.device) + 0.5) / p.shape[-1]
    along_x, along_y = p.sum(2), p.sum(3)  # [n, P, G]
    mx, my = (along_x * c).sum(2) / mass, (along_y * c).sum(2) / mass
    sx = ((along_x * (c - mx[..., None]) ** 2).sum(2) / mass).sqrt()
    sy = ((along_y * (c - my[..., None]) ** 2).sum(2) / mass).sqrt()
    return torch.stack([mx, my, sx, sy], 2), p.mean((2, 3))


def distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """[n, m]: how far apart the parts of maps a [n, P+1, G, G] and b [m, P+1, G, G] sit: the
    mean, over the parts both show, of how far each part's centre and extent moved (in picture
    widths); 0 where they share no part. A part only one shows is not counted: whether an
    object is drawn at all is the object check's question, not the layout's."""
    (where_a, area_a), (where_b, area_b) = describe(a), describe(b)
    return mean_move(*_part_moves(where_a[:, None], area_a[:, None], where_b[None], area_b[None]))


def part_moves(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """How far each part moved from a[i] to b[i], [n, P] in picture widths (0 where it did not
    move), and whether both show it, [n, P] (differentiable: the trainer's mode seeking on
    layout pays by it, part by part)."""
    return _part_moves(*describe(a), *describe(b))


def _part_moves(where_a, area_a, where_b, area_b) -> tuple[torch.Tensor, torch.Tensor]:
    return (where_a - where_b).norm(dim=-1), (area_a >= PRESENT) & (area_b >= PRESENT)


def own_targets(own: torch.Tensor, others: list[torch.Tensor], fallback: torch.Tensor) -> torch.Tensor:
    """Targets of each scene's own, [n, P]: how far each part moved from the part maps `own`
    [n, P+1, G, G] to each of `others` (part maps of the same scenes with other layout seeds),
    averaged over those that show it in both; `fallback` [P] where none does. How far a part
    moves depends on the scene: a forest spans the picture in every layout where a few trees
    move about (landscape renders: 0.10 against 0.29 picture widths), the sea fills the bottom
    where a lake moves (0.04 against 0.12): one target per part asks a forest to move as far
    as a few trees do."""
    total = own.new_zeros(own.shape[0], own.shape[1] - 1)
    count = torch.zeros_like(total)
    for other in others:
        moved, both = part_moves(own, other)
        total += moved * both
        count += both
    return torch.where(count > 0, total / count.clamp_min(1), fallback.to(total).expand_as(total))


def seeking_pay(
    a: torch.Tensor, b: torch.Tensor, asked: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """What the trainer's mode seeking on layout pays for the seed pairs a[i], b[i] (part maps of
    two pictures of one caption), averaged over the parts the caption asks for (`asked`, [n, P]:
    those its render shows): how far short of its target (`target`, [P]: how far renders with
    other layout seeds move it) the pair moved each, and the whole target where either picture
    leaves the part out, so that dropping an object is never a way not to pay. `target` may also
    be [n, P], each pair's own (`own_targets`). How much a part
    counts as shown ramps up to PRESENT, so the pay for a missing part leads back to drawing it.
    Also each pair's mean move (`mean_move`, detached), for the log."""
    (where_a, area_a), (where_b, area_b) = describe(a), describe(b)
    moved, both = _part_moves(where_a, area_a, where_b, area_b)
    shown = (torch.minimum(area_a, area_b) / PRESENT).clamp(max=1)
    pay = shown * F.relu(target - moved) + (1 - shown) * target
    return (pay * asked).sum() / asked.sum().clamp_min(1), mean_move(moved.detach(), both)


def mean_move(moved: torch.Tensor, both: torch.Tensor) -> torch.Tensor:
    """`part_moves`' moves averaged over the parts both pictures show (0 where they share none):
    `mean_move(*part_moves(a, b))` is `distance` between a[i] and b[i] only."""
    return torch.where(both, moved, torch.zeros_like(moved)).sum(-1) / both.sum(-1).clamp_min(1)


@torch.no_grad()
def spread(net: LayoutNet, groups: list[torch.Tensor]) -> float:
    """Mean layout distance between the pictures of each group (one prompt's seeds), averaged."""
    values = []
    for x in groups:
        n = len(x)
        if n > 1:
            maps = net.part_map(x)
            values.append(float(distance(maps, maps).sum() / (n * (n - 1))))
    return sum(values) / len(values) if values else 0.0


def same_picture(groups: list[torch.Tensor], g: torch.Generator) -> list[torch.Tensor]:
    """Each group's first picture, wobbled once for every picture of the group."""
    return [wobble(x[:1].expand(len(x), -1, -1, -1).clone(), g) for x in groups]


@dataclass
class SeedSpread:
    """How far a model's seeds of one prompt move things, beside renders of its captions."""

    # (seeds - one seed's picture wobbled) / (renders - one render wobbled); 0 where the seeds
    # move things no more than a wobble does: one picture
    ratio: float
    same: float  # one seed's picture wobbled, over the renders' spread: the model's floor
    raw: float  # seeds over renders, no floor taken off


@torch.no_grad()
def seed_spread(net: LayoutNet, pictures: list[torch.Tensor], renders: list[torch.Tensor], seed: int = 0) -> SeedSpread:
    """`pictures[k]`: one prompt's pictures (one per seed); `renders[k]`: renders of its caption
    with other layout seeds. A part read off a soft picture wanders from one seed to the next
    even where the eye sees one picture (and more so where the reading is unsure), so each side
    has its floor taken off: the spread of its first picture wobbled (a few per cent of warp, a
    tint, a blur), which no one would call a new picture."""
    g = torch.Generator().manual_seed(seed)
    seeds, renders_ = spread(net, pictures), spread(net, renders)
    seeds_floor, renders_floor = spread(net, same_picture(pictures, g)), spread(net, same_picture(renders, g))
    scale = max(1e-9, renders_ - renders_floor)
    return SeedSpread(
        ratio=max(0.0, seeds - seeds_floor) / scale,
        same=seeds_floor / max(1e-9, renders_),
        raw=seeds / max(1e-9, renders_),
    )


__all__ = [
    "GRID",
    "LayoutNet",
    "SeedSpread",
    "degrade",
    "describe",
    "distance",
    "layout_path",
    "load_layout",
    "mean_move",
    "own_targets",
    "part_moves",
    "renders_with_parts",
    "same_picture",
    "save_layout",
    "seed_spread",
    "spread",
    "train_layout_net",
    "wobble",
]

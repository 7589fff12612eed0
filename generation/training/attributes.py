"""Attribute classifier: a small CNN, trained on renders, that reads what a picture shows.

It measures the demo models independently of the CLIP they were trained with: one softmax
head per attribute of the category (time of day, hair colour, has_tomato, ...). It is trained
on renders of every combination, held-out ones included, since it is an instrument and not a
model under test; blur, noise and small shifts make it tolerant of GAN textures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from .synthetic import RENDERERS, Scene, render, sample_scene

ASSETS = Path(__file__).resolve().parent / "assets"


class AttributeNet(nn.Module):
    def __init__(self, heads: dict[str, int], width: int = 32) -> None:
        super().__init__()
        chans = [3, width, width * 2, width * 4, width * 4, width * 8]
        layers: list[nn.Module] = []
        for i in range(5):
            layers += [
                nn.Conv2d(chans[i], chans[i + 1], 3, stride=1 if i == 0 else 2, padding=1),
                nn.BatchNorm2d(chans[i + 1]),
                nn.ReLU(inplace=True),
            ]
        self.features = nn.Sequential(*layers)
        self.heads = nn.ModuleDict({k: nn.Linear(chans[-1] * 2, n) for k, n in heads.items()})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x: [B,3,H,W] in [-1,1]; resized to 64 px."""
        if x.shape[-1] != 64:
            x = F.interpolate(x, size=(64, 64), mode="bilinear", antialias=True, align_corners=False)
        h = self.features(x)
        h = torch.cat([h.mean((2, 3)), h.amax((2, 3))], 1)
        return {k: head(h) for k, head in self.heads.items()}


@dataclass
class AttributeClassifier:
    category: str
    net: AttributeNet
    heads: dict[str, tuple[str, ...]]

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> dict[str, list[str]]:
        self.net.eval()
        out = self.net(images.float())
        return {k: [self.heads[k][i] for i in v.argmax(1).tolist()] for k, v in out.items()}

    def save(self, path: str | Path) -> None:
        save_reader(self.net, path, self.category, self.heads)

    @classmethod
    def load(cls, path: str | Path) -> AttributeClassifier:
        category, heads, state = load_reader(path)
        net = AttributeNet({k: len(v) for k, v in heads.items()})
        net.load_state_dict(state)
        return cls(category, net.eval(), heads)


def save_reader(net: nn.Module, path: str | Path, category: str, heads: dict[str, tuple[str, ...]]) -> None:
    """A net that reads attributes, as fp16 safetensors with its category and head labels."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().half().contiguous() if v.is_floating_point() else v.contiguous()
        for k, v in net.state_dict().items()
    }
    save_file(state, str(path), metadata={"category": category, "heads": json.dumps(heads)})


def load_reader(path: str | Path) -> tuple[str, dict[str, tuple[str, ...]], dict[str, torch.Tensor]]:
    """(category, head labels, fp32 state dict) of a file `save_reader` wrote."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    heads = {k: tuple(v) for k, v in json.loads(meta["heads"]).items()}
    state = {k: v.float() if v.is_floating_point() else v for k, v in load_file(str(path)).items()}
    return meta["category"], heads, state


def classifier_path(category: str) -> Path:
    return ASSETS / f"attr-{category}.safetensors"


def labelled_scenes(category: str, n: int, seed: int) -> list[Scene]:
    """The scenes render_labelled draws for (category, n, seed), in its order."""
    return [sample_scene(category, seed + i, "any") for i in range(n)]


def render_labelled(category: str, n: int, seed: int, size: int = 64) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    renderer = RENDERERS[category]
    imgs: list[np.ndarray] = []
    labels: dict[str, list[int]] = {h.name: [] for h in renderer.heads}
    for sc in labelled_scenes(category, n, seed):
        imgs.append(np.asarray(render(sc, size)))
        lab = renderer.labels(sc.attrs)
        for h in renderer.heads:
            labels[h.name].append(h.values.index(lab[h.name]))
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div(127.5).sub(1)
    return x, {k: torch.tensor(v) for k, v in labels.items()}


def _augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    b = x.shape[0]
    # random blur: mix with a box-blurred copy, as GAN samples are softer than renders
    k = torch.rand(b, 1, 1, 1, generator=g)
    blurred = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1)
    x = x * (1 - k) + blurred * k
    x = x + torch.randn(x.shape, generator=g) * 0.06 * torch.rand(b, 1, 1, 1, generator=g)
    dx, dy = (int(v) for v in torch.randint(-4, 5, (2,), generator=g))
    return torch.roll(x, (dy, dx), (2, 3)).clamp(-1, 1)


def train_attribute_classifier(
    category: str,
    *,
    n_train: int = 4000,
    n_val: int = 500,
    steps: int = 600,
    batch: int = 64,
    seed: int = 0,
    log: bool = True,
) -> tuple[AttributeClassifier, dict[str, float]]:
    """Train on fresh renders; returns the classifier and its per-head accuracy on other renders."""
    torch.manual_seed(seed)
    renderer = RENDERERS[category]
    heads = {h.name: h.values for h in renderer.heads}
    x, y = render_labelled(category, n_train, 20_000_000 + seed * 100_000)
    xv, yv = render_labelled(category, n_val, 30_000_000 + seed * 100_000)
    net = AttributeNet({k: len(v) for k, v in heads.items()})
    fit_reader(net, x, y, _augment, steps=steps, batch=batch, seed=seed, name=f"attr {category}" if log else "")
    clf = AttributeClassifier(category, net, heads)
    acc = accuracy(clf, xv, yv)
    if log:
        print(f"[attr {category}] val accuracy {json.dumps({k: round(v, 3) for k, v in acc.items()})}", flush=True)
    return clf, acc


def fit_reader(
    net: nn.Module,
    x: torch.Tensor,
    y: dict[str, torch.Tensor],
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor],
    *,
    steps: int,
    batch: int,
    seed: int,
    name: str = "",
    log_every: int = 100,
) -> None:
    """Train a net with one softmax head per attribute (its forward returns {head: logits}) on
    labelled renders: AdamW with a one-cycle schedule, `augment(batch, generator)` on each batch.
    `name`: print the loss every `log_every` steps under it."""
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for step in range(steps):
        idx = torch.randint(0, len(x), (batch,), generator=g)
        out = net(augment(x[idx], g))
        loss = torch.stack([F.cross_entropy(out[k], y[k][idx]) for k in y]).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if name and step % log_every == 0:
            print(f"[{name}] step {step} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)


def accuracy(clf: AttributeClassifier, x: torch.Tensor, y: dict[str, torch.Tensor]) -> dict[str, float]:
    preds: dict[str, list[str]] = {k: [] for k in clf.heads}
    for i in range(0, len(x), 256):
        p = clf.predict(x[i : i + 256])
        for k in preds:
            preds[k] += p[k]
    return {
        k: float(np.mean([clf.heads[k][int(t)] == p for t, p in zip(y[k], preds[k], strict=True)])) for k in clf.heads
    }

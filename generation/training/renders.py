"""Renders as the instruments compare them: drawn at DRAW px, shrunk to SIZE, as tensors in
[-1, 1] (fidelity.py, layout.py)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .synthetic import Scene, render

SIZE = 128  # the size every comparison is made at
DRAW = 256  # renders (and pictures) are made here, then shrunk to SIZE


def to_tensor(images: list[Image.Image]) -> torch.Tensor:
    arr = np.stack([np.asarray(im.convert("RGB")) for im in images])
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def shrink(x: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)


def render_variants(scene: Scene, n: int, salt: int, size: int = DRAW) -> torch.Tensor:
    """n renders (at `size` px) of the scene's attributes with other layout seeds. `salt` picks a
    disjoint family of seeds, so two calls with other salts give two independent sets."""
    images = []
    for k in range(n):
        attrs = dict(scene.attrs)
        if scene.category == "anime":  # the outfit is not in the caption: it varies as in the data
            rng = np.random.default_rng([scene.seed, k, salt, 5])
            attrs["outfit"] = tuple(int(v) for v in rng.integers(30, 230, 3))
        images.append(render(Scene(scene.category, attrs, scene.seed * 1000 + salt * 100 + k + 1), size))
    return to_tensor(images)


__all__ = ["DRAW", "SIZE", "render_variants", "shrink", "to_tensor"]

"""Renders as the instruments compare them: drawn at DRAW px, shrunk to SIZE, as tensors in
[-1, 1] (fidelity.py, layout.py)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .synthetic import Scene, render

SIZE = 128  # the size every comparison is made at
DRAW = 256  # renders (and pictures) are made here, then shrunk to SIZE


def to_tensor(images: list[Image.Image]) -> torch.Tensor:
    return _from_pixels(np.stack([np.asarray(im.convert("RGB")) for im in images]))


def shrink(x: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)


def _variant_pixels(job: tuple[Scene, int, int, int]) -> np.ndarray:
    """[n, size, size, 3] uint8: render_variants' pictures (a process pool's unit of work)."""
    scene, n, salt, size = job
    images = []
    for k in range(n):
        attrs = dict(scene.attrs)
        if scene.category == "anime":  # the outfit is not in the caption: it varies as in the data
            rng = np.random.default_rng([scene.seed, k, salt, 5])
            attrs["outfit"] = tuple(int(v) for v in rng.integers(30, 230, 3))
        images.append(render(Scene(scene.category, attrs, scene.seed * 1000 + salt * 100 + k + 1), size))
    return np.stack([np.asarray(im.convert("RGB")) for im in images])


def _from_pixels(arr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def render_variants(scene: Scene, n: int, salt: int, size: int = DRAW) -> torch.Tensor:
    """n renders (at `size` px) of the scene's attributes with other layout seeds. `salt` picks a
    disjoint family of seeds, so two calls with other salts give two independent sets."""
    return _from_pixels(_variant_pixels((scene, n, salt, size)))


def render_variants_of(
    scenes: Iterable[Scene], n: int, salt: int, size: int = DRAW, workers: int = 1
) -> Iterator[torch.Tensor]:
    """render_variants of each scene, in order, drawn by `workers` processes (0: one per CPU
    core; they draw with PIL only, so a parent that has used torch or CUDA may fork them)."""
    jobs = ((sc, n, salt, size) for sc in scenes)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        yield from map(_from_pixels, map(_variant_pixels, jobs))
        return
    with ProcessPoolExecutor(workers) as pool:
        yield from map(_from_pixels, pool.map(_variant_pixels, jobs, chunksize=32))


__all__ = ["DRAW", "SIZE", "render_variants", "render_variants_of", "shrink", "to_tensor"]

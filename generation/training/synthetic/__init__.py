"""Synthetic captioned scenes for the bundled demo models (landscape, food, anime).

Only training and evaluation use this package. The generation path (generation/engine) never
imports it; tests/training/test_isolation.py checks that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .anime import AnimeRenderer
from .base import Canvas, Head, HoldOut, Renderer, Scene
from .food import FoodRenderer
from .grammar import LANGS
from .landscape import LandscapeRenderer

RENDERERS: dict[str, Renderer] = {r.category: r for r in (LandscapeRenderer(), FoodRenderer(), AnimeRenderer())}
CATEGORIES = tuple(RENDERERS)

__all__ = [
    "CATEGORIES",
    "LANGS",
    "RENDERERS",
    "Canvas",
    "EvalItem",
    "Head",
    "HoldOut",
    "Renderer",
    "Scene",
    "caption",
    "eval_items",
    "render",
    "render_parts",
    "sample_scene",
]


def sample_scene(category: str, seed: int, split: str = "train") -> Scene:
    """Attributes for `seed`. split="train" never returns a held-out combination, "eval" only
    held-out ones, "any" either."""
    renderer = RENDERERS[category]
    rng = np.random.default_rng([seed, 7])
    for _ in range(1000):
        attrs = renderer.sample_attrs(rng)
        held = renderer.held_out(attrs)
        if split == "any" or (split == "train") == (held is None):
            return Scene(category, attrs, seed)
    if split == "eval":  # unlucky draws: force one combination
        h = renderer.holdouts[seed % len(renderer.holdouts)]
        return Scene(category, renderer.force(attrs, h.match), seed)
    raise RuntimeError(f"could not sample a {split} scene for {category}")


def render(scene: Scene, size: int = 64) -> Image.Image:
    """Draw the scene at size×size. Same scene → same pixels; any size → the same layout."""
    return _drawn(scene, Canvas(size)).finish()


def render_parts(scene: Scene, size: int, grid: int) -> tuple[Image.Image, np.ndarray]:
    """The picture `render` draws, and where its renderer's parts sit: [parts + 1, grid, grid],
    the share of each cell each part covers (index 0: none of them). See Canvas.part."""
    canvas = _drawn(scene, Canvas(size, parts=RENDERERS[scene.category].parts))
    return canvas.finish(), canvas.part_map(grid)


def _drawn(scene: Scene, canvas: Canvas) -> Canvas:
    RENDERERS[scene.category].draw(scene.attrs, canvas, np.random.default_rng([scene.seed, 11]))
    return canvas


def caption(scene: Scene, lang: str = "en", rng: np.random.Generator | None = None) -> str:
    """A caption of the scene; rng=None gives the canonical wording (first synonym)."""
    return RENDERERS[scene.category].caption(scene.attrs, lang, rng)


@dataclass(frozen=True)
class EvalItem:
    scene: Scene
    kind: str  # "regular", "heldout" or "counterfactual"
    holdout: str  # name of the held-out combination, "" for regular items
    captions: dict[str, str]  # lang -> canonical caption


def eval_items(category: str, n_regular: int = 12, per_holdout: int = 6, seed: int = 10_000) -> list[EvalItem]:
    """The fixed evaluation prompt set: regular train-distribution scenes (new seeds) plus every
    held-out combination, each with canonical English and Chinese captions."""
    renderer = RENDERERS[category]
    items: list[EvalItem] = []
    for i in range(n_regular):
        sc = sample_scene(category, seed + i, "train")
        items.append(EvalItem(sc, "regular", "", {lang: caption(sc, lang) for lang in LANGS}))
    for j, h in enumerate(renderer.holdouts):
        s = seed + 1000 + 50 * j
        for _ in range(per_holdout):
            sc = _exactly(renderer, h, s)
            s = sc.seed + 1
            kind = "counterfactual" if h.counterfactual else "heldout"
            items.append(EvalItem(sc, kind, h.name, {lang: caption(sc, lang) for lang in LANGS}))
    return items


def _exactly(renderer: Renderer, h: HoldOut, seed: int) -> Scene:
    """The first scene from `seed` on that is forced into `h` and matches no other hold-out, so
    that an item filed under one combination does not test a second one too (shrimp on rice with
    strawberries would also be the counterfactual strawberries on rice)."""
    for s in range(seed, seed + 50):
        attrs = renderer.force(sample_scene(renderer.category, s, "any").attrs, h.match)
        if [x.name for x in renderer.holdouts if renderer.matches(attrs, x.match)] == [h.name]:
            return Scene(renderer.category, attrs, s)
    raise RuntimeError(f"no scene from seed {seed} matches only the hold-out {h.name!r}")

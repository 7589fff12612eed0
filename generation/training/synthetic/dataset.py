"""Writes rendered scenes as a JSONL data set that the ordinary training path reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import CATEGORIES, LANGS, caption, render, sample_scene


def render_dataset(
    out_dir: str | Path,
    *,
    categories: tuple[str, ...] = CATEGORIES,
    per_category: int = 1000,
    size: int = 64,
    split: str = "train",
    seed: int = 0,
    captions_per_lang: int = 2,
    progress: bool = True,
) -> Path:
    """Render `per_category` scenes per category into out_dir/images and out_dir/captions.jsonl.

    Seeds are disjoint per category and split (train seeds start at `seed`, eval at seed+5e6)
    so a data set can be rebuilt image for image. Returns the JSONL path.
    """
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    path = out / "captions.jsonl"
    offset = 5_000_000 if split == "eval" else 0
    with path.open("w", encoding="utf-8") as f:
        for ci, cat in enumerate(categories):
            it = range(per_category)
            for i in tqdm(it, desc=f"render {cat}", disable=not progress):
                s = seed + offset + ci * 1_000_000 + i
                scene = sample_scene(cat, s, split)
                name = f"images/{cat}_{split}_{i:06d}.png"
                render(scene, size).save(out / name, optimize=False, compress_level=1)
                rng = np.random.default_rng([s, 3])
                caps = [caption(scene, lang, rng) for lang in LANGS for _ in range(captions_per_lang)]
                row = {
                    "image": name,
                    "captions": list(dict.fromkeys(caps)),
                    "category": cat,
                    "scene": scene.to_json(),
                    "split": split,
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path

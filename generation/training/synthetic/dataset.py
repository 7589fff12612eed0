"""Writes rendered scenes as a JSONL data set that the ordinary training path reads."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import CATEGORIES, LANGS, caption, render, sample_scene


def _render_one(args: tuple[str, str, int, int, int, str, int]) -> dict:
    """Render scene `i` of a category into out/images; returns its JSONL row."""
    out, cat, i, s, size, split, captions_per_lang = args
    scene = sample_scene(cat, s, split)
    name = f"images/{cat}_{split}_{i:06d}.png"
    render(scene, size).save(Path(out) / name, optimize=False, compress_level=1)
    rng = np.random.default_rng([s, 3])
    caps = [caption(scene, lang, rng) for lang in LANGS for _ in range(captions_per_lang)]
    return {
        "image": name,
        "captions": list(dict.fromkeys(caps)),
        "category": cat,
        "scene": scene.to_json(),
        "split": split,
    }


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
    workers: int = 1,
) -> Path:
    """Render `per_category` scenes per category into out_dir/images and out_dir/captions.jsonl.

    Seeds are disjoint per category and split (train seeds start at `seed`, eval at seed+5e6)
    so a data set can be rebuilt image for image, by any number of `workers` processes (0: one
    per CPU core). Returns the JSONL path.
    """
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    path = out / "captions.jsonl"
    offset = 5_000_000 if split == "eval" else 0
    workers = workers or os.cpu_count() or 1
    with path.open("w", encoding="utf-8") as f:
        for cat in categories:
            ci = CATEGORIES.index(cat)  # the seed range of a category is the same in any subset
            jobs = [
                (str(out), cat, i, seed + offset + ci * 1_000_000 + i, size, split, captions_per_lang)
                for i in range(per_category)
            ]
            if workers > 1:
                with ProcessPoolExecutor(workers) as pool:
                    rows = list(
                        tqdm(
                            pool.map(_render_one, jobs, chunksize=64),
                            total=len(jobs),
                            desc=f"render {cat}",
                            disable=not progress,
                        )
                    )
            else:
                rows = [_render_one(job) for job in tqdm(jobs, desc=f"render {cat}", disable=not progress)]
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path

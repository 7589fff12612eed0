"""Screening with the bundled CLIP keeps matching pairs and drops deliberately mismatched ones."""

from __future__ import annotations

import numpy as np
import pytest

from generation.engine.package import load_package, resolve_model
from generation.training.clip_train import ClipBundle
from generation.training.config import ScreenConfig
from generation.training.data import Pair
from generation.training.screen import screen_pairs, write_report
from generation.training.synthetic import CATEGORIES, caption, render, sample_scene


@pytest.fixture(scope="module")
def clip():
    loaded = load_package(resolve_model("demo-landscape"))
    return ClipBundle(loaded.manifest.arch.clip, loaded.clip_model)


def _pairs(tmp_path, n_per_category: int = 12):
    good, bad = [], []
    rng = np.random.default_rng(0)
    for ci, cat in enumerate(CATEGORIES):
        for i in range(n_per_category):
            sc = sample_scene(cat, 70_000_000 + 1000 * ci + i)
            path = tmp_path / f"{cat}_{i}.png"
            render(sc, 64).save(path)
            lang = "en" if i % 2 else "zh"
            if i < n_per_category // 3:
                # Mismatched on purpose: the caption of a scene from another category.
                other = sample_scene(CATEGORIES[(ci + 1) % 3], 71_000_000 + 1000 * ci + i)
                bad.append(Pair(path, [caption(other, lang, rng)]))
            else:
                good.append(Pair(path, [caption(sc, lang, rng)]))
    return good, bad


def test_mismatched_pairs_are_dropped_and_matching_ones_kept(clip, tmp_path):
    good, bad = _pairs(tmp_path)
    result = screen_pairs(good + bad, clip, ScreenConfig(threshold=0.6, min_rank_fraction=0.5))
    dropped = {d["image"] for d in result.dropped}
    assert all(str(p.image) in dropped for p in bad), result.dropped
    kept_good = sum(str(p.image) not in dropped for p in good)
    assert kept_good >= 0.9 * len(good)
    assert {d["reason"] for d in result.dropped} <= {"low_score", "low_rank"}
    write_report(result, tmp_path / "report.json")
    assert '"dropped"' in (tmp_path / "report.json").read_text()

"""The vocabulary written into the demo packages is the renderers' own grammar: composing a
scene's terms gives the renderer's canonical caption, and the committed packages carry the
vocabulary the current renderers produce (with a sample picture for every term that has one)."""

from __future__ import annotations

import json

import pytest

from generation.engine.manifest import default_models_dir
from generation.prompting import Vocabulary
from generation.training.synthetic import CATEGORIES, LANGS, caption, sample_scene
from generation.training.synthetic.vocabulary import selection_of, vocabulary


@pytest.mark.parametrize("category", CATEGORIES)
def test_composing_a_scenes_terms_gives_the_renderers_canonical_caption(category):
    voc = Vocabulary(vocabulary(category, samples=50))
    for seed in range(250):
        scene = sample_scene(category, seed, "any")
        for lang in LANGS:
            assert voc.compose(selection_of(category, scene.attrs), lang) == caption(scene, lang), (seed, lang)


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_word_of_a_training_caption_is_known(category):
    voc = Vocabulary(vocabulary(category, samples=400))
    import numpy as np

    rng = np.random.default_rng(123)
    for seed in range(900_000, 900_150):  # captions the vocabulary's own sampling did not draw
        scene = sample_scene(category, seed, "any")
        for lang in LANGS:
            text = caption(scene, lang, rng)
            assert voc.check(text).unknown == [], text


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_committed_package_carries_the_current_vocabulary_and_its_samples(category):
    folder = default_models_dir() / f"demo-{category}"
    data = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    committed = data["vocabulary"]
    fresh = vocabulary(category)
    assert [g["name"] for g in committed["groups"]] == [g["name"] for g in fresh["groups"]]
    assert committed["compose"] == fresh["compose"]
    assert committed["words"] == fresh["words"]
    for group, fresh_group in zip(committed["groups"], fresh["groups"], strict=True):
        for term, fresh_term in zip(group["terms"], fresh_group["terms"], strict=True):
            assert {k: v for k, v in term.items() if k != "sample"} == fresh_term
            if term.get("example"):
                assert (folder / term["sample"]["path"]).is_file(), term["id"]
    assert data["quality"]["fd"] > 0

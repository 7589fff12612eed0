"""Poem mode reads each poem of the test set (≥ 30 well-known poems, Chinese and English) as
the imagery it must yield for the landscape model, and its prompt uses only words it knows."""

from __future__ import annotations

import pytest

from generation.engine.manifest import default_models_dir, read_manifest
from generation.prompting import Vocabulary
from generation.prompting.lexicon import LEXICON
from generation.prompting.poems import find_images, read_poem
from tests.prompting.poem_set import POEMS


@pytest.fixture(scope="module")
def landscape():
    return Vocabulary.of(read_manifest(default_models_dir() / "demo-landscape"))


def test_the_poem_set_has_at_least_thirty_poems_in_both_languages():
    chinese = [p for p in POEMS if any("\u4e00" <= ch <= "\u9fff" for ch in p["text"])]
    assert len(POEMS) >= 30 and len(chinese) >= 25 and len(POEMS) - len(chinese) >= 5


@pytest.mark.parametrize("poem", POEMS, ids=[p["title"] for p in POEMS])
def test_each_poem_yields_its_imagery(poem, landscape):
    reading = read_poem(poem["text"], landscape)
    found = [f.text for f in reading.found]
    for image in poem["images"]:
        assert image in found, f"{poem['title']}: {image} not found in {found}"
    for group, value in poem["expect"].items():
        assert reading.selection.get(group) == value, (poem["title"], group, reading.selection)
    assert reading.prompt
    assert landscape.check(reading.prompt).unknown == []  # the prompt is all words the model knows
    assert reading.lang == ("zh" if any("\u4e00" <= ch <= "\u9fff" for ch in poem["text"]) else "en")


def test_every_lexicon_image_maps_to_terms_the_landscape_model_knows(landscape):
    for image in LEXICON:
        for group, value in image.selection.items():
            assert landscape.term(group, value) is not None, (image.en, group, value)


def test_a_month_is_not_read_as_the_moon():
    found = find_images("二月春风似剪刀")
    assert [f.image.en for f in found] == ["a month", "spring"]


def test_a_longer_image_wins_over_the_characters_inside_it():
    found = find_images("独钓寒江雪")
    assert [f.text for f in found] == ["钓", "寒江", "雪"]  # 寒江, not 寒 and 江


def test_a_poem_without_imagery_selects_nothing(landscape):
    reading = read_poem("人生若只如初见，何事秋风悲画扇。", landscape)
    assert reading.selection.get("season") == "autumn"
    assert read_poem("我思故我在", landscape).selection == {}

"""The unknown-word check, the recipe builder and the counterfactual surprises, on the committed
demo packages' vocabularies."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from generation.engine.manifest import default_models_dir, read_manifest
from generation.prompting import Vocabulary, VocabularyInvalid, VocabularyMissing
from generation.prompting.counterfactual import counterfactuals, surprise
from generation.prompting.recipe import RecipeError, build_recipe


def vocab(name: str) -> Vocabulary:
    return Vocabulary.of(read_manifest(default_models_dir() / name))


def test_the_check_names_the_unknown_words_of_an_english_prompt():
    check = vocab("demo-landscape").check("a green sun over a castle with a dragon")
    assert check.unknown == ["over", "castle", "dragon"]
    assert "sun" in check.known and not check.only_unknown


def test_the_check_splits_a_chinese_prompt_into_known_and_unknown_pieces():
    check = vocab("demo-landscape").check("黄昏时的风景，有雪山和城堡")
    assert check.unknown == ["城堡"]
    assert "雪山" in check.known and "黄昏时" in check.known


def test_a_prompt_made_only_of_unknown_words_is_flagged():
    check = vocab("demo-food").check("spaceship galaxy")
    assert check.only_unknown and check.unknown == ["spaceship", "galaxy"]
    assert vocab("demo-food").check("床前明月光").only_unknown


def test_plurals_of_known_words_are_known():
    assert vocab("demo-food").check("tomato eggs").unknown == []


def test_a_package_without_a_vocabulary_says_so():
    with pytest.raises(VocabularyMissing):
        Vocabulary.of(read_manifest(default_models_dir() / "untrained-tiny"))


def _snowy(v):  # landscape's snow-capped mountains term
    return v["groups"][4]["terms"][2]


def _parent(v, path):
    for key in path[:-1]:
        v = v[key]
    return v


def _set(path, value):
    return lambda v: _parent(v, path).__setitem__(path[-1], value)


def _drop(path):
    return lambda v: _parent(v, path).__delitem__(path[-1])


def _conditioned(v):
    for variant in v["compose"]["variants"]:
        variant["when"] = {"base": ["rice"]}


BROKEN = {
    # (package, change, where the message points, what it says)
    "phrase_when a string": (
        "demo-landscape",
        lambda v: _snowy(v).update(phrase_when="mountains with purple snow"),
        "vocabulary.groups[4].terms[2].phrase_when:",
        "is not of type 'array'",
    ),
    "a condition's terms a string": (
        "demo-landscape",
        lambda v: _snowy(v)["phrase_when"][0].update(when={"snow": "purple"}),
        "vocabulary.groups[4].terms[2].phrase_when[0].when.snow:",
        "is not of type 'array'",
    ),
    "a condition on a group it lacks": (
        "demo-landscape",
        lambda v: _snowy(v)["phrase_when"][0].update(when={"dragons": ["red"]}),
        "vocabulary.groups[4].terms[2].phrase_when[0].when.dragons:",
        "'dragons', which is not one of the vocabulary's groups",
    ),
    "a term without its id": (
        "demo-anime",
        _drop(["groups", 0, "terms", 1, "id"]),
        "vocabulary.groups[0].terms[1]:",
        "'id' is a required",
    ),
    "groups an object": ("demo-anime", _set(["groups"], {"hair": []}), "vocabulary.groups:", "is not of type 'array'"),
    "an item naming no group": (
        "demo-landscape",
        _set(["compose", "items", 0], "dragons"),
        "vocabulary.compose.items[0]:",
        "names 'dragons'",
    ),
    "a slot default not a term": (
        "demo-anime",
        _set(["compose", "slots", "hair_colour"], "plaid"),
        "vocabulary.compose.slots.hair_colour:",
        "'plaid' is not a term of 'hair_colour'",
    ),
    "an implication of a term it lacks": (
        "demo-landscape",
        _set(["groups", 2, "implies", "comet"], {"time": ["night"]}),
        "vocabulary.groups[2].implies.comet:",
        "'comet' is not a term of 'body'",
    ),
    "every variant conditioned": ("demo-food", _conditioned, "vocabulary.compose.variants:", "no variant without"),
    "an ingredient without its name": (
        "demo-food",
        _drop(["groups", 2, "terms", 0, "name"]),
        "vocabulary.groups[2].terms[0]:",
        "'name' is a required",
    ),
    "a counterfactual on a group it lacks": (
        "demo-food",
        _set(["counterfactual", 0, "selection"], {"sauce": "soy"}),
        "vocabulary.counterfactual[0].selection.sauce:",
        "names 'sauce'",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_vocabulary_written_wrongly_is_refused_naming_where_and_what(case):
    name, change, where, what = BROKEN[case]
    manifest = read_manifest(default_models_dir() / name)
    data = copy.deepcopy(manifest.extra["vocabulary"])
    change(data)
    with pytest.raises(VocabularyInvalid) as refused:
        Vocabulary.of(dataclasses.replace(manifest, extra={**manifest.extra, "vocabulary": data}))
    assert refused.value.name == name
    assert refused.value.problem.startswith(where) and what in refused.value.problem, refused.value.problem


def test_the_recipe_prompt_follows_the_order_and_the_counts():
    food = vocab("demo-food")
    a = build_recipe(food, ingredients=[("tomato", 1), ("egg", 1)], base="rice")
    b = build_recipe(food, ingredients=[("egg", 1), ("tomato", 1)], base="rice")
    c = build_recipe(food, ingredients=[("tomato", 3), ("egg", 1)], base="rice")
    assert a.prompt == "Tomato egg rice; rice, tomato, egg"
    assert b.prompt == "Egg tomato rice; rice, egg, tomato"
    assert c.prompt == "Tomato egg rice; rice, three tomatoes, egg"
    assert build_recipe(food, ingredients=[("tomato", 2)], base="noodles", lang="zh").prompt == "番茄面；面条、两个番茄"
    assert food.check(c.prompt).unknown == []


@pytest.mark.parametrize(
    ("ingredients", "base", "code"),
    [
        ([], "rice", "empty"),
        ([("dragonfruit", 1)], "rice", "unknown_ingredient"),
        ([("tomato", 0)], "rice", "count"),
        ([("tomato", 5)], "rice", "count"),
        ([("tomato", 1), ("tomato", 2)], "rice", "repeated"),
        ([("tomato", 1)], "pizza", "unknown_base"),
        (
            [(k, 1) for k in ("tomato", "egg", "broccoli", "shrimp", "mushroom", "carrot", "strawberry")],
            "rice",
            "too_many",
        ),
    ],
)
def test_a_bad_recipe_is_refused_with_its_reason(ingredients, base, code):
    with pytest.raises(RecipeError) as caught:
        build_recipe(vocab("demo-food"), ingredients=ingredients, base=base)
    assert caught.value.code == code


def test_a_model_without_recipes_refuses_recipe_mode():
    with pytest.raises(RecipeError) as caught:
        build_recipe(vocab("demo-anime"), ingredients=[("tomato", 1)])
    assert caught.value.code == "no_recipes"


@pytest.mark.parametrize("name", ["demo-landscape", "demo-food", "demo-anime"])
def test_surprises_are_counterfactual_and_in_the_models_words(name):
    voc = vocab(name)
    names = {c.name for c in counterfactuals(voc)}
    assert names
    prompts = set()
    for seed in range(20):
        s = surprise(voc, seed)
        assert s.name in names
        assert surprise(voc, seed).prompts == s.prompts  # a seed gives the same surprise
        for lang in ("en", "zh"):
            assert voc.check(s.prompts[lang]).unknown == [], s.prompts[lang]
        prompts.add(s.prompts["en"])
    assert len(prompts) >= 10  # each press is a new scene


def test_a_green_sun_and_strawberries_on_noodles_are_among_the_counterfactuals():
    landscape = {c.prompts["en"] for c in counterfactuals(vocab("demo-landscape"))}
    food = {c.prompts["en"] for c in counterfactuals(vocab("demo-food"))}
    assert any("green sun" in p for p in landscape)
    assert any("strawberries" in p and "noodles" in p for p in food)


def test_the_order_of_a_recipe_changes_the_picture_and_the_same_recipe_does_not():
    """The measured claim of recipe mode, small (tools/bench_recipe.py has the numbers)."""
    import numpy as np

    from generation.engine import Engine, GenerationRequest

    food = vocab("demo-food")
    engine = Engine.load(default_models_dir() / "demo-food", device="cpu")

    def draw(ingredients):
        prompt = build_recipe(food, ingredients=ingredients, base="rice").prompt
        return np.asarray(engine.generate(GenerationRequest(prompt, 256, 256, seed=3))[0].image, np.float32)

    written = draw([("shrimp", 1), ("broccoli", 1)])
    assert np.abs(written - draw([("shrimp", 1), ("broccoli", 1)])).mean() == 0
    assert np.abs(written - draw([("broccoli", 1), ("shrimp", 1)])).mean() > 5
    assert np.abs(written - draw([("shrimp", 3), ("broccoli", 1)])).mean() > 1

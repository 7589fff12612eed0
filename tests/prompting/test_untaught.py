"""Combinations a model has not learnt (generation/prompting/untaught.py): read from a package's
measured quality, matched against the terms a prompt mentions."""

from __future__ import annotations

from generation.engine.manifest import default_models_dir, read_manifest
from generation.prompting import Vocabulary
from generation.prompting.untaught import WEAK, untaught, untaught_in


def vocab(name: str) -> Vocabulary:
    return Vocabulary.of(read_manifest(default_models_dir() / name))


def combination(name: str, selection: dict, obj: str, drawn: float, of: int = 48) -> dict:
    return {"name": name, "selection": selection, "objects": {obj: {"drawn": drawn, "of": of}}}


QUALITY = {
    "combinations": [
        combination("river at night", {"time": "night", "water": "river"}, "water=river", 0.0),
        combination("autumn forest at dawn", {"time": "dawn", "trees": "forest"}, "trees=forest", 1.0),
        combination("a castle at noon", {"time": "noon", "building": "castle"}, "building=castle", 0.0),
    ]
}


def test_a_prompt_mentions_the_terms_of_its_words_in_either_language():
    v = vocab("demo-landscape")
    assert {("time", "night"), ("water", "river")} <= v.mentions("A river at NIGHT")  # no article, any case
    assert ("water", "river") in v.mentions("two rivers at midnight")  # a plural; a synonym of night
    assert ("time", "night") in v.mentions("midnight")
    assert ("mountains", "snowy") in v.mentions("one snowy mountain")  # the form is plural
    assert {("time", "night"), ("water", "river")} <= v.mentions("夜晚的风景，有河流")
    assert ("water", "river") not in v.mentions("riverside")  # whole words only
    assert v.mentions("") == set()


def test_only_combinations_drawn_in_under_half_of_their_pictures_count():
    v = vocab("demo-landscape")
    found = untaught(v, QUALITY)
    assert [u.name for u in found] == ["river at night"]  # the forest is drawn; "building" is no group
    river = found[0]
    assert river.object == ("water", "river") and (river.drawn, river.of) == (0, 48)
    assert river.words(v, "zh") == {
        "name": "river at night",
        "terms": ["夜晚", "河流"],
        "object": "河流",
        "drawn": 0,
        "of": 48,
    }
    just_drawn = {
        "combinations": [combination("river at night", {"time": "night", "water": "river"}, "water=river", WEAK)]
    }
    assert untaught(v, just_drawn) == []


def test_a_malformed_quality_is_skipped_entry_by_entry():
    v = vocab("demo-landscape")
    bad = [
        "river at night",
        {"name": "x", "selection": ["night"], "objects": {"water=river": {"drawn": 0.0, "of": 8}}},
        {"name": "x", "selection": {"time": "night"}, "objects": {"water=river": {"drawn": "none", "of": 8}}},
        {"name": "x", "selection": {"time": "night"}, "objects": {"water=river": {"drawn": 0.0}}},
        {"name": "x", "selection": {"time": "night"}, "objects": {"water=river": {"drawn": 0.0, "of": -3}}},
        {"selection": {"time": "night"}, "objects": {"water=river": {"drawn": 0.0, "of": 8}}},
        {"name": "x", "selection": {"time": "night"}, "objects": ["water=river"]},
    ]
    good = QUALITY["combinations"][0]
    assert [u.name for u in untaught(v, {"combinations": [*bad, good]})] == ["river at night"]


def test_a_package_without_a_measure_warns_of_nothing():
    v = vocab("demo-landscape")
    assert untaught(v, None) == [] and untaught(v, {}) == [] and untaught(v, {"combinations": []}) == []
    assert untaught(v, {"combinations": [{"name": "x", "selection": {"time": "night"}, "objects": {}}]}) == []
    assert untaught(v, {"combinations": 3}) == [] and untaught(v, {"combinations": {"a": 1}}) == []


def test_a_prompt_warns_only_when_it_asks_for_the_whole_combination():
    v = vocab("demo-landscape")
    assert [u.name for u in untaught_in(v, QUALITY, "a winding river at night under a blue moon")] == ["river at night"]
    assert untaught_in(v, QUALITY, "a river at dawn") == []
    assert untaught_in(v, QUALITY, "a lake at night") == []


def test_foods_counted_ingredients_and_measured_objects_map_to_its_terms():
    v = vocab("demo-food")
    quality = {
        "combinations": [
            combination("shrimp on rice", {"base": "rice", "ingredients": [["shrimp", 2]]}, "has_shrimp=yes", 0.46)
        ]
    }
    [shrimp] = untaught_in(v, quality, "一碗米饭上有大虾")
    assert shrimp.object == ("ingredients", "shrimp") and (shrimp.drawn, shrimp.of) == (22, 48)
    assert untaught_in(v, quality, "shrimp on noodles") == []


def test_the_shipped_packages_record_what_they_have_not_learnt():
    """The recorded quality of the demo packages (evaluate --record) carries the combinations: the
    landscape's river at night and snow at sunset are the ones it leaves out."""
    names = [
        u.name
        for u in untaught(
            vocab("demo-landscape"), read_manifest(default_models_dir() / "demo-landscape").extra["quality"]
        )
    ]
    assert "river at night" in names and "snowy mountains at sunset" in names


def test_a_combination_is_named_in_the_words_of_the_models_own_captions():
    """The captions say "mountains with purple snow" for snow-capped mountains with purple snow:
    that phrase mentions the snow-capped mountains too, so the prompt check names the untaught
    purple snow at noon for the model's own wording, in either language."""
    v = vocab("demo-landscape")
    purple = {
        "combinations": [
            combination(
                "purple snow at noon", {"time": "noon", "snow": "purple", "mountains": "snowy"}, "snow=purple", 0.06
            )
        ]
    }
    assert ("mountains", "snowy") in v.mentions("mountains with purple snow")
    for prompt in ("a landscape at noon in winter with mountains with purple snow", "冬天正午的风景，有紫色积雪的山峰"):
        assert [u.name for u in untaught_in(v, purple, prompt)] == ["purple snow at noon"], prompt
    assert untaught_in(v, purple, "a landscape at noon with mountains") == []

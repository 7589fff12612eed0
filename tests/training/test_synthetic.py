from __future__ import annotations

import itertools

import numpy as np
import pytest

from generation.training.synthetic import (
    CATEGORIES,
    RENDERERS,
    Canvas,
    HoldOut,
    Scene,
    caption,
    eval_items,
    render,
    render_parts,
    sample_scene,
)
from generation.training.synthetic.anime import EYE_RGB, HAIR_RGB
from generation.training.synthetic.food import ITEM_RGB
from generation.training.synthetic.landscape import BODY_RGB, SNOW_RGB


def _scene(category: str, seed: int = 1, **attrs) -> Scene:
    base = sample_scene(category, seed, "any")
    return Scene(category, RENDERERS[category].force(base.attrs, attrs), seed)


def _px(scene: Scene, size: int = 64) -> np.ndarray:
    return np.asarray(render(scene, size)).astype(np.float32)


def _near(img: np.ndarray, rgb: tuple[int, int, int], tol: float = 40.0) -> float:
    """Fraction of pixels within `tol` (Euclidean RGB) of a colour."""
    return float((np.linalg.norm(img - np.array(rgb, np.float32), axis=-1) < tol).mean())


def test_night_sky_is_darker_than_noon_sky_for_every_seed():
    for seed in range(8):
        night = _px(_scene("landscape", seed, time="night", body_colour="natural"))
        noon = _px(_scene("landscape", seed, time="noon", body_colour="natural"))
        assert night[:20].mean() < noon[:20].mean() - 60


def test_sunset_sky_is_warmer_than_noon_sky():
    for seed in range(8):
        sunset = _px(_scene("landscape", seed, time="sunset"))[:30]
        noon = _px(_scene("landscape", seed, time="noon"))[:30]
        assert (sunset[..., 0] - sunset[..., 2]).mean() > (noon[..., 0] - noon[..., 2]).mean() + 60


def test_a_green_sun_puts_green_pixels_in_the_sky():
    for seed in range(6):
        green = _px(_scene("landscape", seed, time="noon", body_colour="green", clouds="none", mountains="none"))
        natural = _px(_scene("landscape", seed, time="noon", body_colour="natural"))
        assert _near(green, BODY_RGB["green"]) > 0.01
        assert _near(natural, BODY_RGB["green"]) < 0.002


def test_snow_capped_mountains_add_white_above_the_horizon():
    for seed in range(6):
        common = {"time": "noon", "season": "summer", "clouds": "none", "snow": "white"}
        snowy = _px(_scene("landscape", seed, mountains="snowy", **common))
        plain = _px(_scene("landscape", seed, mountains="plain", **common))
        assert _near(snowy[:40], (245, 247, 252), 30) > _near(plain[:40], (245, 247, 252), 30) + 0.005


@pytest.mark.parametrize("ingredient", sorted(ITEM_RGB))
def test_the_named_ingredient_colour_is_on_the_plate(ingredient):
    other = "mushroom" if ingredient == "broccoli" else "broccoli"
    for seed in range(5):
        sc = _scene("food", seed, **{f"has_{ingredient}": "yes"})
        kinds = [k for k, _ in sc.attrs["ingredients"]]
        assert ingredient in kinds
        # The same dish with that ingredient swapped for another: its colour must (mostly) go.
        swapped = tuple((other if k == ingredient else k, n) for k, n in sc.attrs["ingredients"] if k != other)
        without = Scene("food", {**sc.attrs, "ingredients": swapped}, sc.seed)
        assert _near(_px(sc, 96), ITEM_RGB[ingredient], 30) > 0.001
        assert _near(_px(sc, 96), ITEM_RGB[ingredient], 30) > _near(_px(without, 96), ITEM_RGB[ingredient], 30) + 0.001


def test_a_plate_without_tomatoes_or_strawberries_has_almost_no_tomato_red():
    for seed in range(6):
        sc = Scene(
            "food",
            {
                "vessel": "plate",
                "table": "wood",
                "base": "rice",
                "arrangement": "row",
                "ingredients": (("broccoli", 2), ("egg", 1)),
            },
            seed,
        )
        assert _near(_px(sc), ITEM_RGB["tomato"], 30) < 0.001


@pytest.mark.parametrize("hair", ["black", "blonde", "pink", "blue", "green"])
def test_the_hair_colour_of_the_caption_covers_much_of_the_portrait(hair):
    sc = _scene("anime", 3, hair_colour=hair, background="white")
    assert _near(_px(sc), HAIR_RGB[hair], 35) > 0.08
    assert caption(sc, "en").count(hair) == 1


def test_eye_colour_is_drawn():
    for eye, rgb in EYE_RGB.items():
        sc = _scene("anime", 5, eye_colour=eye, background="white", hair_colour="black")
        assert _near(_px(sc, 128), rgb, 30) > 0.002, eye


@pytest.mark.parametrize("category", CATEGORIES)
def test_same_seed_same_pixels_other_seed_other_pixels(category):
    a, b = render(sample_scene(category, 42), 64), render(sample_scene(category, 42), 64)
    c = render(sample_scene(category, 43), 64)
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))


@pytest.mark.parametrize("category", CATEGORIES)
def test_any_resolution_draws_the_same_layout(category):
    sc = sample_scene(category, 7)
    small = _px(sc, 64)
    for size in (32, 100, 256):
        img = render(sc, size)
        assert img.size == (size, size)
    big = np.asarray(render(sc, 256).resize((64, 64))).astype(np.float32)
    other = _px(sample_scene(category, 8), 64)
    assert np.abs(big - small).mean() < 12
    assert np.abs(big - small).mean() < np.abs(other - small).mean()


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_part_map_is_drawn_beside_the_same_pixels_and_names_every_part(category):
    """render_parts draws exactly what render draws; its map covers each cell once, and over a
    few dozen scenes every part the renderer declares shows up somewhere."""
    seen = np.zeros(len(RENDERERS[category].parts) + 1)
    for seed in range(40):
        sc = sample_scene(category, 300 + seed, "any")
        image, parts = render_parts(sc, 64, 16)
        if seed < 3:
            assert np.array_equal(np.asarray(image), np.asarray(render(sc, 64)))
        assert parts.shape == (len(seen), 16, 16)
        assert np.allclose(parts.sum(0), 1.0)
        seen += parts.sum((1, 2))
    assert (seen[1:] > 0).all(), dict(zip(RENDERERS[category].parts, seen[1:], strict=True))


def test_the_part_map_keeps_what_is_on_top_and_refuses_what_it_cannot_say():
    canvas = Canvas(32, parts=("sun", "cloud"))
    with canvas.part("sun"):
        canvas.circle(0.5, 0.5, 0.25, (255, 200, 0))
    with canvas.part("cloud"):
        canvas.rect(0.5, 0.0, 1.0, 1.0, (255, 255, 255))  # covers the sun's right half
    with canvas.part(None):
        canvas.rect(0.0, 0.9, 1.0, 1.0, (0, 0, 0))  # a shadow: no part
    parts = canvas.part_map(8)
    sun_area, cloud_area = parts[1].mean(), parts[2].mean()
    assert 0.05 < sun_area < 0.12 and 0.4 < cloud_area < 0.5
    assert parts[0, 7].mean() > 0.5  # the shadow's row is "none" again
    with pytest.raises(ValueError, match="unknown part 'moon'"):
        with canvas.part("moon"):
            pass
    with pytest.raises(ValueError, match="does not divide"):
        canvas.part_map(7)
    with pytest.raises(ValueError, match="parts="):
        Canvas(32).part_map(8)


@pytest.mark.parametrize("category", CATEGORIES)
def test_captions_exist_in_english_and_chinese(category):
    for seed in range(20):
        sc = sample_scene(category, seed)
        en, zh = caption(sc, "en"), caption(sc, "zh")
        assert en.isascii() and len(en.split()) >= 4
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and zh.isascii() is False


def test_time_of_day_synonyms_in_both_languages():
    sc = _scene("landscape", 1, time="sunset")
    rng = np.random.default_rng(0)
    en = {w for _ in range(60) for w in ("sunset", "dusk", "evening") if w in caption(sc, "en", rng)}
    zh = {w for _ in range(60) for w in ("黄昏", "日落", "夕阳") if w in caption(sc, "zh", rng)}
    assert en == {"sunset", "dusk", "evening"}
    assert zh == {"黄昏", "日落", "夕阳"}


def test_food_has_a_recipe_form():
    sc = Scene(
        "food",
        {
            "vessel": "bowl",
            "table": "wood",
            "base": "noodles",
            "arrangement": "row",
            "ingredients": (("tomato", 2), ("egg", 1)),
        },
        0,
    )
    r = RENDERERS["food"]
    assert r.recipe_caption(sc.attrs, "en", None) == "Tomato egg noodles; noodles, tomato, egg"
    assert r.recipe_caption(sc.attrs, "zh", None) == "番茄鸡蛋面；面条、番茄、鸡蛋"
    assert "two tomatoes" in caption(sc, "en") and "两个番茄" in caption(sc, "zh")


@pytest.mark.parametrize("category", CATEGORIES)
def test_held_out_combinations_never_appear_in_the_train_split(category):
    renderer = RENDERERS[category]
    for seed in range(1500):
        assert renderer.held_out(sample_scene(category, seed, "train").attrs) is None
    for seed in range(50):
        assert renderer.held_out(sample_scene(category, seed, "eval").attrs) is not None


@pytest.mark.parametrize("category", CATEGORIES)
def test_counterfactuals_are_in_training_data_and_in_the_eval_set(category):
    items = eval_items(category)
    assert {"regular", "heldout", "counterfactual"} <= {it.kind for it in items}
    for it in items:
        if it.kind != "regular":
            h = next(x for x in RENDERERS[category].holdouts if x.name == it.holdout)
            assert RENDERERS[category].matches(it.scene.attrs, h.match)


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_held_out_item_tests_only_its_own_combination(category):
    """Shrimp on rice with strawberries would also be the counterfactual strawberries on rice,
    and a miss would count against both."""
    renderer = RENDERERS[category]
    items = [it for it in eval_items(category, per_holdout=6) if it.kind != "regular"]
    assert len(items) == 6 * len(renderer.holdouts)
    for it in items:
        assert [h.name for h in renderer.holdouts if renderer.matches(it.scene.attrs, h.match)] == [it.holdout]
    assert len({it.captions["en"] for it in items}) > len(items) * 0.8


def test_a_hold_out_that_another_one_contains_is_refused_by_name(monkeypatch):
    """With "rice" a hold-out, every "shrimp on rice, on wood" scene is also a "rice" one: no scene
    can test only the second, and the evaluation says which one it could not build."""
    renderer = RENDERERS["food"]
    inner = HoldOut("shrimp on rice, on wood", {"base": "rice", "has_shrimp": "yes", "table": "wood"})
    outer = HoldOut("rice", {"base": "rice"})
    monkeypatch.setattr(renderer, "holdouts", (outer, inner))
    with pytest.raises(RuntimeError, match="matches only the hold-out 'shrimp on rice, on wood'"):
        eval_items("food", per_holdout=1)


def test_train_split_contains_counterfactual_colours_and_strawberries_on_noodles():
    suns = {sample_scene("landscape", s).attrs["body_colour"] for s in range(400)}
    assert {"green", "blue", "purple"} <= suns
    on_noodles = [
        s
        for s in range(600)
        if (a := sample_scene("food", s).attrs)["base"] == "noodles"
        and "strawberry" in [k for k, _ in a["ingredients"]]
    ]
    assert on_noodles


def test_render_dataset_writes_jsonl_the_training_path_reads(tmp_path):
    from generation.training.data import read_pairs
    from generation.training.synthetic.dataset import render_dataset

    path = render_dataset(tmp_path, per_category=3, size=32, progress=False)
    pairs = read_pairs(path)
    assert len(pairs) == 9
    assert all(p.image.exists() and len(p.captions) >= 2 for p in pairs)
    langs = {"zh" if any("\u4e00" <= c <= "\u9fff" for c in cap) else "en" for p in pairs for cap in p.captions}
    assert langs == {"en", "zh"}
    for p in pairs:
        sc = Scene.from_json(p.meta["scene"])
        assert RENDERERS[sc.category].held_out(sc.attrs) is None


def test_a_data_set_of_one_category_has_the_same_scenes_with_any_number_of_workers(tmp_path):
    """synthetic.categories and synthetic.workers: a food-only data set holds the food scenes of
    the full one, image for image, whether one process renders it or two."""
    from generation.training.data import read_pairs
    from generation.training.synthetic.dataset import render_dataset

    full = read_pairs(render_dataset(tmp_path / "full", per_category=3, size=32, progress=False))
    food = read_pairs(
        render_dataset(tmp_path / "food", categories=("food",), per_category=3, size=32, progress=False, workers=2)
    )
    assert [p.meta["scene"] for p in food] == [p.meta["scene"] for p in full if p.meta["category"] == "food"]
    same = [p for p in full if p.meta["category"] == "food"]
    assert [p.image.read_bytes() for p in food] == [p.image.read_bytes() for p in same]


def test_the_snow_head_reads_the_colour_of_the_snow_a_picture_shows():
    """Purple snow is asked for by name; a head must read it, or no measure sees it turn white.
    The label says purple exactly where the picture has purple snow in it (caps, or a winter
    ground the sea does not cover), and "none" where it shows no snow at all; the caption asks
    for purple snow exactly where the picture has it."""
    labels = RENDERERS["landscape"].labels
    seen = set()
    for seed in range(12):
        for mountains, season, water in itertools.product(("plain", "snowy"), ("summer", "winter"), ("lake", "sea")):
            plain = sample_scene("landscape", seed, "any").attrs
            attrs = {**plain, "time": "noon", "body_colour": "natural", "snow": "purple"}
            scene = Scene("landscape", {**attrs, "mountains": mountains, "season": season, "water": water}, seed)
            label = labels(scene.attrs)["snow"]
            assert label in ("purple", "none")
            assert (_near(_px(scene), SNOW_RGB["purple"], 30) > 0.002) == (label == "purple"), (scene.attrs, label)
            assert ("purple snow" in caption(scene, "en")) == (label == "purple"), caption(scene, "en")
            seen.add(label)
    assert seen == {"purple", "none"}
    white = _scene("landscape", mountains="none", season="winter", water="lake", snow="white")
    assert labels(white.attrs)["snow"] == "white"

"""What a demo model knows, written into its package at export (`model.json`, field `vocabulary`).

The site's model cards, prompt builder, poem, counterfactual and recipe modes read it from the
package (generation/prompting), so they offer exactly the words the model was trained on and the
web side never imports this training code.

The vocabulary has:

- `groups`: each attribute the renderer draws (`time`, `mountains`, `hair_colour` …), whether it
  is an object or an attribute, and its terms: every English and Chinese synonym the captions use
  (the first is canonical), the phrase a caption puts it in, and an example prompt;
- `compose`: how a caption is built from one term per group (templates with `{group}` slots and
  an `{items}` list), so the site writes prompts in the grammar the model read while training;
- `words`: every English word and Chinese piece that occurs in the training captions (sampled),
  for telling a person which words of their prompt the model does not know;
- `counterfactual`: the combinations this model was taught that the world does not have.

`tests/training/test_vocabulary.py` checks that composing a scene's terms gives the renderer's
own canonical caption, in both languages.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from . import anime, food, landscape
from .base import Renderer, Scene
from .grammar import EN_NUMBERS, LANGS, ZH_NUMBERS, Term

FORMAT = 1
_EN_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def _term(
    value: str,
    term: Term | None,
    *,
    phrase: dict[str, str] | None = None,
    when: list[dict[str, Any]] | None = None,
    kind: str = "",
) -> dict[str, Any]:
    en = list(term.en) if term else []
    zh = list(term.zh) if term else []
    out: dict[str, Any] = {"id": value, "en": en, "zh": zh}
    out["phrase"] = phrase if phrase is not None else {"en": en[0] if en else "", "zh": zh[0] if zh else ""}
    if when:
        out["phrase_when"] = when
    if kind:
        out["kind"] = kind
    return out


def _group(name: str, kind: str, label: tuple[str, str], terms: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "label": {"en": label[0], "zh": label[1]}, "terms": terms, **extra}


# -- per category --------------------------------------------------------------------------------


def _landscape() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    L = landscape
    colour_terms = [_term("natural", None, phrase={"en": "", "zh": ""})]
    for c in L.BODY_COLOURS[1:]:
        w = L.W_COLOUR[c]
        colour_terms.append(
            _term(
                c,
                w,
                phrase={"en": f"a {w.en[0]} {L.W_SUN.en[0]}", "zh": f"{w.zh[0]}{L.W_SUN.zh[0]}"},
                when=[
                    {
                        "when": {"time": ["night"]},
                        "en": f"a {w.en[0]} {L.W_MOON.en[0]}",
                        "zh": f"{w.zh[0]}{L.W_MOON.zh[0]}",
                    }
                ],
            )
        )
    mount = [_term("none", None, phrase={"en": "", "zh": ""})]
    mount.append(_term("plain", L.W_MOUNT["plain"]))
    mount.append(
        _term(
            "snowy",
            L.W_MOUNT["snowy"],
            when=[{"when": {"snow": ["purple"]}, "en": L.W_PURPLE_SNOW_MOUNT.en[0], "zh": L.W_PURPLE_SNOW_MOUNT.zh[0]}],
        )
    )
    snow = [
        _term("white", None, phrase={"en": "", "zh": ""}),
        _term(
            "purple",
            L.W_PURPLE_SNOW,
            phrase={"en": "", "zh": ""},
            when=[
                {
                    # a winter ground the sea does not cover (the caption names only snow it shows)
                    "when": {"season": ["winter"], "mountains": ["none", "plain"], "water": ["none", "lake", "river"]},
                    "en": L.W_PURPLE_SNOW.en[0],
                    "zh": L.W_PURPLE_SNOW.zh[0],
                }
            ],
        ),
    ]
    clouds = [_term("none", L.W_CLOUDS["none"], phrase={"en": "", "zh": ""})]
    clouds += [_term(k, L.W_CLOUDS[k]) for k in ("few", "many")]
    groups = [
        _group("time", "attribute", ("time of day", "时间"), [_term(k, L.W_TIME[k]) for k in L.TIMES]),
        _group("season", "attribute", ("season", "季节"), [_term(k, L.W_SEASON[k]) for k in L.SEASONS]),
        _group(
            "body",
            "object",
            ("sun and moon", "日月"),
            [
                _term("sun", L.W_SUN, phrase={"en": "", "zh": ""}, kind="object"),
                _term("moon", L.W_MOON, phrase={"en": "", "zh": ""}, kind="object"),
            ],
            implies={"sun": {"time": ["dawn", "noon", "sunset"]}, "moon": {"time": ["night"]}},
        ),
        _group("body_colour", "attribute", ("colour of the sun or moon", "日月的颜色"), colour_terms),
        _group("mountains", "object", ("mountains", "山"), mount),
        _group(
            "water",
            "object",
            ("water", "水"),
            [_term("none", None, phrase={"en": "", "zh": ""})] + [_term(k, L.W_WATER[k]) for k in L.WATERS[1:]],
        ),  # fmt: skip
        _group(
            "trees",
            "object",
            ("trees", "树"),
            [_term("none", None, phrase={"en": "", "zh": ""})] + [_term(k, L.W_TREES[k]) for k in L.TREES[1:]],
        ),  # fmt: skip
        _group("snow", "attribute", ("colour of the snow", "雪的颜色"), snow),
        _group("clouds", "object", ("clouds", "云"), clouds),
    ]
    compose = {
        "slots": {"time": "noon", "season": "summer"},
        "items": ["body_colour", "mountains", "water", "trees", "snow", "clouds"],
        "variants": [
            {
                "when": {},
                "en": f"{L.W_SCENE.en[0]} at {{time}} in {{season}}{{items}}",
                "zh": f"{{season}}{{time}}的{L.W_SCENE.zh[0]}{{items}}",
            }
        ],
        "list": {"en": {"wrap": " with {items}"}, "zh": {"wrap": "，有{items}"}},
    }
    return groups, compose


def _food() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    F = food
    ingredients = []
    for k in F.INGREDIENTS:
        one, many, measure = F.W_ING[k]
        art = "an" if one.en[0][0] in "aeiou" else "a"
        t = _term(
            k,
            Term(
                tuple(dict.fromkeys(one.en + many.en + F.W_ING_NAME[k].en)),
                tuple(dict.fromkeys(one.zh + many.zh + F.W_ING_NAME[k].zh)),
            ),
            phrase={"en": f"{{n}} {many.en[0]}", "en_1": f"{art} {one.en[0]}", "zh": f"{{n}}{measure}{one.zh[0]}"},
        )
        t["name"] = {"en": F.W_ING_NAME[k].en[0], "zh": F.W_ING_NAME[k].zh[0]}
        ingredients.append(t)
    bases = [_term("none", None, phrase={"en": "", "zh": ""})]
    for k in ("rice", "noodles"):
        t = _term(
            k,
            Term(
                tuple(dict.fromkeys(F.W_BASE[k].en + F.W_BASE_TITLE[k].en)),
                tuple(dict.fromkeys(F.W_BASE[k].zh + F.W_BASE_TITLE[k].zh)),
            ),
            phrase={"en": F.W_BASE[k].en[0], "zh": F.W_BASE[k].zh[0]},
        )
        t["name"] = {"en": F.W_BASE[k].en[0], "zh": F.W_BASE[k].zh[0]}
        t["title"] = {"en": F.W_BASE_TITLE[k].en[0], "zh": F.W_BASE_TITLE[k].zh[0]}
        bases.append(t)
    bases[0]["title"] = {"en": F.W_BASE_TITLE["none"].en[0], "zh": F.W_BASE_TITLE["none"].zh[0]}
    vessels = [
        _term("plate", Term(("plate", "white plate"), ("盘", "盘子")), phrase={"en": "plate", "zh": "盘"}),
        _term("bowl", Term(("bowl",), ("碗",)), phrase={"en": "bowl", "zh": "碗"}),
    ]
    arrange = [_term("scattered", None, phrase={"en": "", "zh": ""})]
    arrange += [
        _term(k, F.W_ARRANGE[k], phrase={"en": " " + F.W_ARRANGE[k].en[0], "zh": "，" + F.W_ARRANGE[k].zh[0]})
        for k in ("circle", "row")
    ]
    groups = [
        _group("vessel", "object", ("plate or bowl", "盘或碗"), vessels),
        _group("base", "object", ("base", "主食"), bases),
        _group("ingredients", "object", ("ingredients", "配料"), ingredients, counted=True, max_count=4),
        _group("table", "attribute", ("table", "桌面"), [_term(k, F.W_TABLE[k]) for k in F.TABLES]),
        _group("arrangement", "attribute", ("arrangement", "摆法"), arrange, min_items=3),
    ]
    compose = {
        "slots": {"vessel": "plate", "base": "rice", "table": "wood", "arrangement": "scattered"},
        "items": ["ingredients"],
        "variants": [
            {
                "when": {"base": ["none"]},
                "en": "a {vessel} with {items}{arrangement} on {table}",
                "zh": "{table}上的一个{vessel}子，里面有{items}{arrangement}",
            },
            {
                "when": {},
                "en": "a {vessel} of {base} topped with {items}{arrangement} on {table}",
                "zh": "{table}上的一{vessel}{base}，上面有{items}{arrangement}",
            },
        ],
        "list": {"en": {"wrap": "{items}"}, "zh": {"wrap": "{items}"}},
        "recipe": {"en": {"sep": "; ", "join": ", "}, "zh": {"sep": "；", "join": "、"}},
    }
    return groups, compose


def _anime() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    A = anime
    styles = []
    for k in A.HAIR_STYLES:
        styles.append(_term(k, A.W_HAIR_STYLE[k]))
    accessories = [_term("none", None, phrase={"en": "", "zh": ""})]
    accessories += [
        _term(k, A.W_ACCESSORY[k], phrase={"en": ", " + A.W_ACCESSORY[k].en[0], "zh": "，" + A.W_ACCESSORY[k].zh[0]})
        for k in A.ACCESSORIES[1:]
    ]
    groups = [
        _group(
            "hair_colour", "attribute", ("hair colour", "发色"), [_term(k, A.W_HAIR_COLOUR[k]) for k in A.HAIR_COLOURS]
        ),
        _group("hair_style", "attribute", ("hair style", "发型"), styles),
        _group(
            "eye_colour", "attribute", ("eye colour", "眼睛颜色"), [_term(k, A.W_EYE_COLOUR[k]) for k in A.EYE_COLOURS]
        ),
        _group("expression", "attribute", ("expression", "表情"), [_term(k, A.W_EXPRESSION[k]) for k in A.EXPRESSIONS]),
        _group("accessory", "object", ("accessory", "配饰"), accessories),
        _group("background", "attribute", ("background", "背景"), [_term(k, A.W_BG[k]) for k in A.BACKGROUNDS]),
    ]
    who_en, who_zh = A.W_WHO.en[0], A.W_WHO.zh[0]
    compose = {
        "slots": {
            "hair_colour": "black",
            "hair_style": "long",
            "eye_colour": "blue",
            "expression": "smiling",
            "accessory": "none",
            "background": "white",
        },
        "items": [],
        "variants": [
            {
                "when": {"hair_style": ["long", "short"]},
                "en": f"{who_en} with {{hair_style}} {{hair_colour}} hair and {{eye_colour}} eyes, "
                "{expression}{accessory}, {background}",
                "zh": f"{{hair_colour}}{{hair_style}}发、{{eye_colour}}眼睛的{who_zh}，{{expression}}{{accessory}}，{{background}}",
            },
            {
                "when": {},
                "en": f"{who_en} with {{hair_colour}} {{hair_style}} hair and {{eye_colour}} eyes, "
                "{expression}{accessory}, {background}",
                "zh": f"{{hair_colour}}{{hair_style}}、{{eye_colour}}眼睛的{who_zh}，{{expression}}{{accessory}}，{{background}}",
            },
        ],
        "list": {"en": {"wrap": "{items}"}, "zh": {"wrap": "{items}"}},
    }
    return groups, compose


_BUILDERS = {"landscape": _landscape, "food": _food, "anime": _anime}


def selection_of(category: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """A renderer scene's attributes as a vocabulary selection (group -> term id, or for the
    counted group a list of [id, count]) — what generation/prompting composes prompts from."""
    if category == "food":
        return {
            "vessel": attrs["vessel"],
            "base": attrs["base"],
            "table": attrs["table"],
            "arrangement": attrs["arrangement"],
            "ingredients": [[k, int(n)] for k, n in attrs["ingredients"]],
        }
    if category == "landscape":
        out = {k: attrs[k] for k in ("time", "season", "body_colour", "mountains", "water", "trees", "snow", "clouds")}
        out["body"] = "moon" if attrs["time"] == "night" else "sun"
        return out
    return {k: attrs[k] for k in ("hair_colour", "hair_style", "eye_colour", "expression", "accessory", "background")}


_GLUE = "的有和上一个是在面里子"


def _known_words(renderer: Renderer, groups: list[dict[str, Any]], samples: int, seed: int) -> dict[str, list[str]]:
    """Every English word in `samples` sampled training captions (random synonyms, both caption
    forms) and the Chinese pieces they are made of: each term's forms, and what is left of a
    caption's runs of characters once those are taken out (的风景, 上面有 …), also cut at the
    common glue characters so that 风景 alone is known."""
    from . import caption, sample_scene

    en: set[str] = set(EN_NUMBERS) | {str(i) for i in range(10)}
    forms = {f for g in groups for t in g["terms"] for f in t["zh"]}
    zh: set[str] = set(ZH_NUMBERS) | forms | set(_GLUE)
    by_length = sorted(forms, key=len, reverse=True)
    rng = np.random.default_rng(seed)
    for i in range(samples):
        scene: Scene = sample_scene(renderer.category, seed + i, "any")
        en.update(_EN_WORD.findall(caption(scene, "en", rng).lower()))
        for run in _CJK_RUN.findall(caption(scene, "zh", rng)):
            for form in by_length:
                run = run.replace(form, " ")
            for piece in run.split():
                zh.add(piece)
                zh.update(p for p in re.split(f"[{_GLUE}]", piece) if p)
    return {"en": sorted(en), "zh": sorted(zh)}


def _examples(renderer: Renderer, groups: list[dict[str, Any]], seed: int) -> None:
    """Give each term an example prompt: the canonical caption of a scene that shows it."""
    from . import caption, sample_scene

    index = 0
    for g in groups:
        for t in g["terms"]:
            match = _match_for(renderer.category, g["name"], t["id"])
            if match is None:
                continue
            index += 1
            start = seed + 37 * index  # each term its own scene, so the sample pictures differ
            for s in range(start, start + 400):
                attrs = renderer.force(sample_scene(renderer.category, s, "any").attrs, match)
                if all(renderer.attr_value(attrs, k) == v for k, v in match.items() if not k.startswith("_")):
                    scene = Scene(renderer.category, attrs, s)
                    t["example"] = {lang: caption(scene, lang) for lang in LANGS}
                    t["selection"] = selection_of(renderer.category, attrs)
                    break


def _match_for(category: str, group: str, value: str) -> dict[str, str] | None:
    if value in ("none", "natural", "white", "scattered") and group not in ("background", "hair_colour"):
        return None  # an absence has no picture of its own
    if category == "food" and group == "ingredients":
        return {f"has_{value}": "yes", "main": value}
    if category == "landscape" and group == "body":
        return {"time": "night" if value == "moon" else "noon", "body_colour": "natural"}
    if category == "landscape" and group == "snow":
        return {"snow": value, "mountains": "snowy"}
    return {group: value}


def partial_selection(category: str, match: dict[str, str]) -> dict[str, Any]:
    """A hold-out's attribute match as the part of a selection it fixes."""
    out: dict[str, Any] = {}
    for key, value in match.items():
        if category == "food" and key.startswith("has_"):
            out.setdefault("ingredients", []).append([key[4:], 2])
        elif category == "food" and key == "main":
            out.setdefault("ingredients", []).insert(0, [value, 3])
        else:
            out[key] = value
    if category == "landscape" and "snow" in out:
        out.setdefault("mountains", "snowy")
    return out


def vocabulary(category: str, *, samples: int = 3000, seed: int = 5_000) -> dict[str, Any]:
    """The vocabulary of a synthetic category, as written into model.json."""
    from . import RENDERERS

    renderer = RENDERERS[category]
    groups, compose = _BUILDERS[category]()
    _examples(renderer, groups, seed)
    return {
        "format": FORMAT,
        "category": category,
        "groups": groups,
        "compose": compose,
        "numbers": {"en": list(EN_NUMBERS), "zh": list(ZH_NUMBERS)},
        "words": _known_words(renderer, groups, samples, seed),
        "counterfactual": [
            {"name": h.name, "selection": partial_selection(category, h.match)}
            for h in renderer.holdouts
            if h.counterfactual
        ],
    }


__all__ = ["FORMAT", "partial_selection", "selection_of", "vocabulary"]

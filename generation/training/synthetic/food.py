"""Food seen from above: a plate or bowl on a table, a base and counted ingredients.

Captions come in two forms: a description ("a bowl of noodles with two eggs on a wooden
table") and a recipe ("Egg noodles; noodles, egg") for the site's recipe mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Canvas, Colour, Head, HoldOut, Renderer, jitter, mix, scale
from .grammar import T, Term, choose, count_phrase, join_list

VESSELS = ("plate", "bowl")
TABLES = ("wood", "marble", "red_cloth", "blue_cloth")
BASES = ("none", "rice", "noodles")
INGREDIENTS = ("tomato", "egg", "broccoli", "shrimp", "mushroom", "carrot", "strawberry")
ARRANGEMENTS = ("scattered", "circle", "row")

W_ING: dict[str, tuple[Term, Term, str]] = {  # singular, plural, Chinese measure word
    "tomato": (T("tomato", ("番茄", "西红柿")), T("tomatoes", ("番茄", "西红柿")), "个"),
    "egg": (T(("egg", "fried egg"), ("鸡蛋", "煎蛋")), T(("eggs", "fried eggs"), ("鸡蛋", "煎蛋")), "个"),
    "broccoli": (
        T(("broccoli floret", "piece of broccoli"), "西兰花"),
        T(("broccoli florets", "pieces of broccoli"), "西兰花"),
        "朵",
    ),
    "shrimp": (T(("shrimp", "prawn"), ("虾", "大虾")), T(("shrimp", "prawns"), ("虾", "大虾")), "只"),
    "mushroom": (T("mushroom", "蘑菇"), T("mushrooms", "蘑菇"), "朵"),
    "carrot": (
        T(("carrot slice", "slice of carrot"), "胡萝卜"),
        T(("carrot slices", "slices of carrot"), "胡萝卜"),
        "片",
    ),
    "strawberry": (T("strawberry", "草莓"), T("strawberries", "草莓"), "颗"),
}
W_ING_NAME = {  # mass-noun forms for recipe lists and titles
    "tomato": T(("tomato", "tomatoes"), ("番茄", "西红柿")),
    "egg": T("egg", "鸡蛋"),
    "broccoli": T("broccoli", "西兰花"),
    "shrimp": T("shrimp", ("虾仁", "虾")),
    "mushroom": T("mushroom", "蘑菇"),
    "carrot": T("carrot", "胡萝卜"),
    "strawberry": T("strawberry", "草莓"),
}
W_BASE = {
    "rice": T(("rice", "steamed rice"), ("米饭", "白米饭")),
    "noodles": T(("noodles", "wheat noodles"), ("面条", "面")),
}
W_BASE_TITLE = {
    "rice": T(("rice", "fried rice"), ("饭", "炒饭")),
    "noodles": T("noodles", ("面", "拌面")),
    "none": T(("salad", "platter"), ("拼盘", "沙拉")),
}
W_TABLE = {
    "wood": T(("a wooden table", "a wood table"), ("木桌", "木头桌子")),
    "marble": T(("a marble table", "a white marble counter"), ("大理石桌", "大理石台面")),
    "red_cloth": T(("a red tablecloth", "a red checkered tablecloth"), ("红色桌布", "红格子桌布")),
    "blue_cloth": T(("a blue tablecloth", "a blue cloth"), ("蓝色桌布", "蓝布")),
}
W_ARRANGE = {
    "circle": T(("arranged in a circle", "in a ring"), ("摆成一圈", "围成一圈")),
    "row": T(("in a row", "lined up in a row"), ("排成一排", "摆成一行")),
}

TABLE_RGB: dict[str, tuple[Colour, Colour]] = {
    "wood": ((150, 98, 55), (118, 74, 40)),
    "marble": ((226, 226, 230), (180, 182, 190)),
    "red_cloth": ((200, 40, 45), (245, 235, 230)),
    "blue_cloth": ((45, 85, 175), (35, 65, 140)),
}


class FoodRenderer(Renderer):
    category = "food"
    heads = (
        Head("vessel", VESSELS),
        Head("table", TABLES),
        Head("base", BASES),
        *(Head(f"has_{k}", ("no", "yes")) for k in INGREDIENTS),
        Head("main", INGREDIENTS),
    )
    parts = ("vessel", "base", *INGREDIENTS)
    holdouts = (
        HoldOut("shrimp on rice", {"base": "rice", "has_shrimp": "yes"}),
        HoldOut("a bowl on a marble table", {"vessel": "bowl", "table": "marble"}),
        HoldOut("broccoli on a blue tablecloth", {"table": "blue_cloth", "main": "broccoli"}),
        HoldOut("strawberries on rice", {"base": "rice", "has_strawberry": "yes"}, counterfactual=True),
        HoldOut(
            "strawberries and mushrooms on noodles",
            {"base": "noodles", "has_strawberry": "yes", "has_mushroom": "yes"},
            counterfactual=True,
        ),
    )

    def sample_attrs(self, rng: np.random.Generator) -> dict[str, Any]:
        base = choose(rng, BASES)
        savoury = [k for k in INGREDIENTS if k != "strawberry"]
        kinds = list(rng.choice(savoury, size=int(rng.integers(1, 4)), replace=False))
        if base == "none" and rng.random() < 0.3:
            kinds = ["strawberry"] + kinds[:1]  # fruit plates: strawberries belong here
        elif base != "none" and rng.random() < 0.12:
            kinds = ["strawberry"] + kinds[:1]  # counterfactual: strawberries on noodles
        counts = [int(rng.integers(1, 5)) for _ in kinds]
        while sum(counts) > 8:
            counts[int(np.argmax(counts))] -= 1
        return {
            "vessel": choose(rng, VESSELS),
            "table": choose(rng, TABLES),
            "base": base,
            "ingredients": tuple(zip(map(str, kinds), counts, strict=True)),
            "arrangement": choose(rng, ARRANGEMENTS),
        }

    def labels(self, attrs: dict[str, Any]) -> dict[str, str]:
        return {h.name: self.attr_value(attrs, h.name) for h in self.heads}

    def attr_value(self, attrs: dict[str, Any], key: str) -> str:
        kinds = [k for k, _ in attrs["ingredients"]]
        if key.startswith("has_"):
            return "yes" if key[4:] in kinds else "no"
        if key == "main":
            return kinds[0]
        return str(attrs.get(key))

    def force(self, attrs: dict[str, Any], match: dict[str, str]) -> dict[str, Any]:
        out = dict(attrs)
        ing = [list(p) for p in attrs["ingredients"]]
        for key, value in match.items():
            if key.startswith("has_") and value == "yes" and key[4:] not in [k for k, _ in ing]:
                ing = [[key[4:], 2]] + ing[:2]
            elif key == "main":
                ing = [[value, 3]] + [p for p in ing if p[0] != value][:1]
            elif not key.startswith("has_"):
                out[key] = value
        out["ingredients"] = tuple((str(k), int(n)) for k, n in ing)
        return out

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, attrs: dict[str, Any], canvas: Canvas, rng: np.random.Generator) -> None:
        a, b = TABLE_RGB[attrs["table"]]
        canvas.rect(0, 0, 1, 1, a)
        if attrs["table"] == "wood":
            for y in np.arange(rng.uniform(0, 0.12), 1, 0.12):
                canvas.rect(0, y, 1, y + 0.008, b)
        elif attrs["table"] == "marble":
            for _ in range(4):
                x = rng.uniform(0, 1)
                canvas.line([(x, 0), (x + rng.uniform(-0.3, 0.3), 0.5), (x + rng.uniform(-0.4, 0.4), 1)], b, 0.006)
        elif attrs["table"] == "red_cloth":
            step = 0.125
            for i in range(9):
                canvas.rect(i * step, 0, i * step + step / 2, 1, mix(a, b, 0.45))
                canvas.rect(0, i * step, 1, i * step + step / 2, mix(a, b, 0.45))
        else:
            for i in range(6):
                canvas.rect(0, i * 0.18 + 0.05, 1, i * 0.18 + 0.07, b)

        cx, cy = 0.5 + rng.uniform(-0.03, 0.03), 0.5 + rng.uniform(-0.03, 0.03)
        R = float(rng.uniform(0.41, 0.46))
        canvas.circle(cx + 0.015, cy + 0.02, R, scale(a, 0.7))  # shadow
        with canvas.part("vessel"):
            if attrs["vessel"] == "plate":
                canvas.circle(cx, cy, R, (246, 246, 242))
                canvas.circle(cx, cy, R * 0.78, (232, 232, 226))
                inner = R * 0.78
            else:
                canvas.circle(cx, cy, R, (55, 95, 170))
                canvas.circle(cx, cy, R * 0.9, (240, 242, 248))
                canvas.circle(cx, cy, R * 0.82, (208, 212, 222))
                inner = R * 0.8

        with canvas.part("base"):
            base = attrs["base"]
            if base == "rice":
                canvas.circle(cx, cy, inner * 0.95, (246, 242, 228))
                for _ in range(90):
                    r, t = inner * 0.92 * np.sqrt(rng.random()), rng.uniform(0, 2 * np.pi)
                    canvas.ellipse(
                        cx + r * np.cos(t),
                        cy + r * np.sin(t),
                        0.008,
                        0.004,
                        (255, 253, 245) if rng.random() < 0.5 else (222, 216, 198),
                    )
            elif base == "noodles":
                canvas.circle(cx, cy, inner * 0.95, (226, 184, 90))
                for _ in range(22):
                    r0 = rng.uniform(0.05, 0.85) * inner
                    t0 = rng.uniform(0, 2 * np.pi)
                    pts = [
                        (
                            cx + (r0 + 0.02 * np.sin(k)) * np.cos(t0 + k * 0.25),
                            cy + (r0 + 0.02 * np.sin(k)) * np.sin(t0 + k * 0.25),
                        )
                        for k in range(8)
                    ]
                    canvas.line(pts, (246, 212, 120) if rng.random() < 0.6 else (200, 150, 60), 0.01)

        items = [k for k, n in attrs["ingredients"] for _ in range(n)]
        order = rng.permutation(len(items))
        items = [items[i] for i in order]
        n = len(items)
        r_item = inner * (0.3 if n <= 3 else 0.23 if n <= 6 else 0.19)
        arrangement = attrs["arrangement"] if n > 2 else "scattered"
        spots: list[tuple[float, float]] = []
        if arrangement == "circle":
            ring = inner * 0.55
            t0 = rng.uniform(0, 2 * np.pi)
            spots = [
                (cx + ring * np.cos(t0 + 2 * np.pi * i / n), cy + ring * np.sin(t0 + 2 * np.pi * i / n))
                for i in range(n)
            ]
        elif arrangement == "row":
            r_item = min(r_item, inner * 1.6 / (2 * n))
            xs = np.linspace(cx - inner * 0.75 + r_item, cx + inner * 0.75 - r_item, n)
            spots = [(float(x), cy + rng.uniform(-0.01, 0.01)) for x in xs]
        else:
            for _ in range(n):
                best = None
                for _try in range(30):  # rejection sampling keeps items from piling up
                    r, t = inner * 0.62 * np.sqrt(rng.random()), rng.uniform(0, 2 * np.pi)
                    p = (cx + r * np.cos(t), cy + r * np.sin(t))
                    d = min([np.hypot(p[0] - q[0], p[1] - q[1]) for q in spots] + [1.0])
                    if best is None or d > best[0]:
                        best = (d, p)
                    if d > r_item * 1.9:
                        break
                spots.append(best[1])  # type: ignore[index]
        for kind, (x, y) in zip(items, spots, strict=True):
            with canvas.part(kind):
                _ITEM_DRAW[kind](canvas, float(x), float(y), r_item * float(rng.uniform(0.9, 1.1)), rng)

    # -- captions ----------------------------------------------------------------------------
    def caption(self, attrs: dict[str, Any], lang: str, rng: np.random.Generator | None) -> str:
        if rng is not None and rng.random() < 0.25:
            return self.recipe_caption(attrs, lang, rng)
        return self.describe(attrs, lang, rng)

    def describe(self, attrs: dict[str, Any], lang: str, rng: np.random.Generator | None) -> str:
        items = [count_phrase(n, W_ING[k][0], W_ING[k][1], W_ING[k][2], lang, rng) for k, n in attrs["ingredients"]]
        base, vessel = attrs["base"], attrs["vessel"]
        table = W_TABLE[attrs["table"]].pick(lang, rng)
        arrange = W_ARRANGE.get(attrs["arrangement"]) if sum(n for _, n in attrs["ingredients"]) > 2 else None
        if lang == "en":
            if base == "none":
                head = f"a {choose(rng, ('plate', 'white plate')) if vessel == 'plate' else 'bowl'} with "
            else:
                head = f"a {vessel} of {W_BASE[base].pick('en', rng)} topped with "
            text = head + join_list(items, "en")
            if arrange is not None:
                text += " " + arrange.pick("en", rng)
            return text + f" on {table}"
        v = "盘" if vessel == "plate" else "碗"
        head = (
            f"{table}上的一{v}{W_BASE[base].pick('zh', rng)}，上面有"
            if base != "none"
            else f"{table}上的一个{v}子，里面有"
        )
        text = head + join_list(items, "zh")
        if arrange is not None:
            text += "，" + arrange.pick("zh", rng)
        return text

    def recipe_caption(self, attrs: dict[str, Any], lang: str, rng: np.random.Generator | None) -> str:
        kinds = [k for k, _ in attrs["ingredients"]]
        base = attrs["base"]
        names = [W_ING_NAME[k].pick(lang, rng) for k in kinds]
        base_word = W_BASE_TITLE[base].pick(lang, rng)
        parts = ([W_BASE[base].pick(lang, rng)] if base != "none" else []) + names
        if lang == "en":
            title = " ".join(names[:2]).capitalize() + " " + base_word
            return f"{title}; " + ", ".join(parts)
        return "".join(names[:2]) + base_word + "；" + "、".join(parts)


# -- ingredient sprites (top-down, centred at x, y with radius r) --------------------------------
def _tomato(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    c.circle(x, y, r, jitter((222, 38, 30), rng, 10))
    c.circle(x - r * 0.35, y - r * 0.35, r * 0.22, (250, 120, 105))
    for t in range(5):
        a = t * 2 * np.pi / 5
        c.line([(x, y), (x + r * 0.35 * np.cos(a), y + r * 0.35 * np.sin(a))], (40, 130, 40), r * 0.14)


def _egg(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    for _ in range(5):
        c.circle(x + rng.uniform(-0.35, 0.35) * r, y + rng.uniform(-0.35, 0.35) * r, r * 0.75, (252, 252, 246))
    c.circle(x, y, r * 0.42, (250, 182, 18))


def _broccoli(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    c.polygon([(x - r * 0.2, y), (x + r * 0.2, y), (x + r * 0.15, y + r), (x - r * 0.15, y + r)], (150, 195, 95))
    for _ in range(6):
        c.circle(
            x + rng.uniform(-0.45, 0.45) * r, y - r * rng.uniform(0.0, 0.5), r * 0.42, jitter((35, 118, 42), rng, 12)
        )


def _shrimp(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    start = float(rng.uniform(0, 360))
    c.arc(x, y, r * 0.8, r * 0.8, start, start + 250, (246, 128, 82), r * 0.55)
    c.arc(x, y, r * 0.8, r * 0.8, start, start + 250, (255, 190, 160), r * 0.12)


def _mushroom(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    c.rect(x - r * 0.22, y - r * 0.1, x + r * 0.22, y + r * 0.75, (232, 218, 186))
    c.ellipse(x, y - r * 0.15, r, r * 0.55, jitter((140, 92, 55), rng, 10))
    c.ellipse(x, y + r * 0.05, r * 0.8, r * 0.18, (186, 150, 110))


def _carrot(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    c.circle(x, y, r * 0.85, jitter((242, 122, 26), rng, 8))
    c.circle(x, y, r * 0.45, (250, 170, 80))


def _strawberry(c: Canvas, x: float, y: float, r: float, rng: np.random.Generator) -> None:
    c.polygon(
        [
            (x - r * 0.85, y - r * 0.3),
            (x - r * 0.6, y - r * 0.75),
            (x + r * 0.6, y - r * 0.75),
            (x + r * 0.85, y - r * 0.3),
            (x, y + r),
        ],
        jitter((214, 28, 52), rng, 10),
    )
    for _ in range(5):
        c.circle(x + rng.uniform(-0.45, 0.45) * r, y + rng.uniform(-0.5, 0.3) * r, r * 0.06, (250, 225, 120))
    c.polygon(
        [(x - r * 0.6, y - r * 0.75), (x, y - r * 1.05), (x + r * 0.6, y - r * 0.75), (x, y - r * 0.55)], (45, 150, 50)
    )


_ITEM_DRAW = {
    "tomato": _tomato,
    "egg": _egg,
    "broccoli": _broccoli,
    "shrimp": _shrimp,
    "mushroom": _mushroom,
    "carrot": _carrot,
    "strawberry": _strawberry,
}
ITEM_RGB: dict[str, Colour] = {
    "tomato": (222, 38, 30),
    "egg": (250, 182, 18),
    "broccoli": (35, 118, 42),
    "shrimp": (246, 128, 82),
    "mushroom": (140, 92, 55),
    "carrot": (242, 122, 26),
    "strawberry": (214, 28, 52),
}

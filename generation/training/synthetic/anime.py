"""Anime-style character portraits: hair colour and style, eyes, expression, accessory, background."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Canvas, Colour, Head, HoldOut, Renderer, jitter, scale
from .grammar import T, choose

HAIR_COLOURS = ("black", "brown", "blonde", "red", "pink", "blue", "silver", "green", "purple")
HAIR_STYLES = ("long", "short", "twintails", "ponytail")
EYE_COLOURS = ("blue", "green", "red", "brown", "purple", "gold")
EXPRESSIONS = ("smiling", "neutral", "surprised", "angry")
ACCESSORIES = ("none", "glasses", "ribbon", "cat_ears", "flower")
BACKGROUNDS = ("white", "sky", "pink", "night", "forest")

HAIR_RGB: dict[str, Colour] = {
    "black": (32, 30, 40),
    "brown": (115, 70, 38),
    "blonde": (246, 214, 102),
    "red": (206, 40, 36),
    "pink": (250, 140, 190),
    "blue": (50, 110, 230),
    "silver": (205, 210, 222),
    "green": (50, 170, 80),
    "purple": (130, 60, 190),
}
EYE_RGB: dict[str, Colour] = {
    "blue": (40, 110, 235),
    "green": (30, 165, 70),
    "red": (215, 30, 40),
    "brown": (120, 70, 30),
    "purple": (140, 50, 200),
    "gold": (235, 175, 20),
}
BG_RGB: dict[str, tuple[Colour, Colour]] = {
    "white": ((248, 248, 248), (230, 230, 234)),
    "sky": ((90, 160, 240), (190, 225, 252)),
    "pink": ((252, 190, 215), (246, 160, 196)),
    "night": ((12, 14, 45), (40, 40, 90)),
    "forest": ((60, 130, 60), (30, 90, 40)),
}
SKIN: Colour = (255, 226, 206)

W_HAIR_COLOUR = {
    "black": T("black", "黑色"),
    "brown": T("brown", ("棕色", "褐色")),
    "blonde": T(("blonde", "golden"), ("金色", "金黄色")),
    "red": T("red", "红色"),
    "pink": T("pink", "粉色"),
    "blue": T("blue", "蓝色"),
    "silver": T(("silver", "white"), ("银色", "白色")),
    "green": T("green", "绿色"),
    "purple": T("purple", "紫色"),
}
W_HAIR_STYLE = {
    "long": T("long", "长"),
    "short": T("short", "短"),
    "twintails": T(("twin-tail", "pigtailed"), "双马尾"),
    "ponytail": T("ponytail", "马尾"),
}
W_EYE_COLOUR = {
    "blue": T("blue", "蓝色"),
    "green": T("green", "绿色"),
    "red": T(("red", "crimson"), "红色"),
    "brown": T("brown", "棕色"),
    "purple": T(("purple", "violet"), "紫色"),
    "gold": T(("golden", "amber"), ("金色", "琥珀色")),
}
W_EXPRESSION = {
    "smiling": T(("smiling", "with a smile", "happy"), ("微笑", "笑着", "开心")),
    "neutral": T(("with a calm face", "expressionless", "calm"), ("表情平静", "面无表情")),
    "surprised": T(("surprised", "with a surprised face"), ("惊讶", "一脸惊讶")),
    "angry": T(("angry", "frowning"), ("生气", "皱着眉头")),
}
W_ACCESSORY = {
    "glasses": T(("wearing glasses", "with glasses"), ("戴着眼镜", "戴眼镜")),
    "ribbon": T(("with a red ribbon", "wearing a hair bow"), ("戴着红色蝴蝶结", "头上有蝴蝶结")),
    "cat_ears": T(("with cat ears", "with nekomimi cat ears"), ("有猫耳", "长着猫耳朵")),
    "flower": T(("with a flower in her hair", "wearing a hair flower"), ("头戴花朵", "头上戴着一朵花")),
}
W_BG = {
    "white": T(("on a white background", "plain white background"), ("白色背景", "纯白背景")),
    "sky": T(("against a blue sky", "sky background"), ("背景是蓝天", "蓝天背景")),
    "pink": T(("on a pink background", "pastel pink background"), ("粉色背景", "背景是粉色")),
    "night": T(("at night", "night sky background"), ("背景是夜空", "夜晚背景")),
    "forest": T(("in a forest", "green forest background"), ("背景是森林", "森林背景")),
}
W_WHO = T(
    ("an anime girl", "an anime character", "a manga-style girl", "an anime portrait of a girl"),
    ("动漫少女", "动漫角色", "二次元女孩", "漫画风格的女孩"),
)


class AnimeRenderer(Renderer):
    category = "anime"
    heads = (
        Head("hair_colour", HAIR_COLOURS),
        Head("hair_style", HAIR_STYLES),
        Head("eye_colour", EYE_COLOURS),
        Head("expression", EXPRESSIONS),
        Head("accessory", ACCESSORIES),
        Head("background", BACKGROUNDS),
    )
    parts = ("backdrop", "hair", "face", "body", "eyes", "accessory")
    holdouts = (
        HoldOut("pink ponytail", {"hair_colour": "pink", "hair_style": "ponytail"}),
        HoldOut("silver hair with cat ears", {"hair_colour": "silver", "accessory": "cat_ears"}),
        HoldOut("blue hair at night", {"hair_colour": "blue", "background": "night"}),
        HoldOut("green hair with red eyes", {"hair_colour": "green", "eye_colour": "red"}, counterfactual=True),
        HoldOut(
            "blonde twin tails with glasses in a forest",
            {"hair_colour": "blonde", "hair_style": "twintails", "background": "forest"},
            counterfactual=True,
        ),
    )

    def sample_attrs(self, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "hair_colour": choose(rng, HAIR_COLOURS),
            "hair_style": choose(rng, HAIR_STYLES),
            "eye_colour": choose(rng, EYE_COLOURS),
            "expression": choose(rng, EXPRESSIONS),
            "accessory": str(rng.choice(ACCESSORIES, p=[0.4, 0.15, 0.15, 0.15, 0.15])),
            "background": choose(rng, BACKGROUNDS),
            # Not in the caption: gives seeds of one prompt something honest to vary.
            "outfit": (int(rng.integers(30, 230)), int(rng.integers(30, 230)), int(rng.integers(30, 230))),
        }

    def draw(self, attrs: dict[str, Any], canvas: Canvas, rng: np.random.Generator) -> None:
        top, bottom = BG_RGB[attrs["background"]]
        canvas.vertical_gradient(jitter(top, rng, 6), jitter(bottom, rng, 6))
        bg = attrs["background"]
        with canvas.part("backdrop"):
            if bg == "night":
                for _ in range(20):
                    canvas.circle(rng.uniform(0, 1), rng.uniform(0, 0.6), 0.004, (240, 240, 255))
            elif bg == "sky":
                for _ in range(2):
                    cx, cy = rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.35)
                    canvas.ellipse(cx, cy, 0.12, 0.05, (250, 250, 255))
            elif bg == "forest":
                for _ in range(5):
                    x = rng.uniform(0, 1)
                    canvas.polygon([(x - 0.1, 0.75), (x, 0.15 + rng.uniform(0, 0.2)), (x + 0.1, 0.75)], (25, 80, 35))
            elif bg == "pink":
                for _ in range(6):
                    canvas.circle(rng.uniform(0, 1), rng.uniform(0, 1), 0.02, (255, 225, 238))

        hair = jitter(HAIR_RGB[attrs["hair_colour"]], rng, 8)
        dark = scale(hair, 0.72)
        cx = 0.5 + float(rng.uniform(-0.05, 0.05))
        cy = 0.45 + float(rng.uniform(-0.03, 0.03))
        fr = float(rng.uniform(0.2, 0.23))  # face radius
        style = attrs["hair_style"]

        # hair behind the head
        with canvas.part("hair"):
            if style == "long":
                canvas.polygon(
                    [
                        (cx - fr * 1.3, cy - fr * 0.4),
                        (cx + fr * 1.3, cy - fr * 0.4),
                        (cx + fr * 1.45, 1.0),
                        (cx - fr * 1.45, 1.0),
                    ],
                    dark,
                )
            elif style == "twintails":
                for s in (-1, 1):
                    canvas.ellipse(cx + s * fr * 1.55, cy + fr * 1.1, fr * 0.42, fr * 1.4, hair)
            elif style == "ponytail":
                s = 1 if rng.random() < 0.5 else -1
                canvas.ellipse(cx + s * fr * 1.2, cy + fr * 0.6, fr * 0.45, fr * 1.2, dark)
            canvas.circle(cx, cy - fr * 0.1, fr * 1.22, hair)

        # body and neck
        outfit = tuple(attrs["outfit"])
        with canvas.part("body"):
            canvas.ellipse(cx, 1.05, fr * 1.9, fr * 1.4, outfit)
        with canvas.part("face"):
            canvas.rect(cx - fr * 0.25, cy + fr * 0.7, cx + fr * 0.25, cy + fr * 1.35, scale(SKIN, 0.92))

        with canvas.part("accessory"):
            if attrs["accessory"] == "cat_ears":
                for s in (-1, 1):
                    canvas.polygon(
                        [
                            (cx + s * fr * 0.35, cy - fr * 1.05),
                            (cx + s * fr * 0.95, cy - fr * 1.75),
                            (cx + s * fr * 1.1, cy - fr * 0.6),
                        ],
                        hair,
                    )
                    canvas.polygon(
                        [
                            (cx + s * fr * 0.55, cy - fr * 1.0),
                            (cx + s * fr * 0.9, cy - fr * 1.45),
                            (cx + s * fr * 0.95, cy - fr * 0.8),
                        ],
                        (250, 175, 190),
                    )
        # face
        with canvas.part("face"):
            canvas.ellipse(cx, cy + fr * 0.05, fr * 0.95, fr * 1.02, SKIN)
        # bangs
        with canvas.part("hair"):
            canvas.polygon(
                [
                    (cx - fr * 1.1, cy + fr * 0.1),
                    (cx - fr * 1.15, cy - fr * 0.8),
                    (cx, cy - fr * 1.3),
                    (cx + fr * 1.15, cy - fr * 0.8),
                    (cx + fr * 1.1, cy + fr * 0.1),
                    (cx + fr * 0.8, cy - fr * 0.35),
                    (cx + fr * 0.45, cy - fr * 0.15),
                    (cx + fr * 0.15, cy - fr * 0.45),
                    (cx - fr * 0.2, cy - fr * 0.2),
                    (cx - fr * 0.55, cy - fr * 0.45),
                    (cx - fr * 0.85, cy - fr * 0.2),
                ],
                hair,
            )
            # side locks: short hair stops at the cheeks, the other styles fall past the chin
            x0, x1, x2, y1, y2 = (1.1, 1.2, 0.8, 0.7, 0.5) if style == "short" else (1.12, 1.22, 0.82, 1.3, 0.6)
            for s in (-1, 1):
                canvas.polygon(
                    [
                        (cx + s * fr * x0, cy - fr * 0.5),
                        (cx + s * fr * x1, cy + fr * y1),
                        (cx + s * fr * x2, cy + fr * y2),
                    ],
                    hair,
                )

        # eyes: big, as the style asks, so their colour survives at 64 px
        eye = EYE_RGB[attrs["eye_colour"]]
        ey = cy + fr * 0.15
        expr = attrs["expression"]
        with canvas.part("eyes"):
            for s in (-1, 1):
                ex = cx + s * fr * 0.42
                canvas.ellipse(ex, ey, fr * 0.26, fr * 0.32, (255, 255, 255))
                canvas.ellipse(ex, ey + fr * 0.04, fr * 0.2, fr * 0.27, eye)
                canvas.ellipse(ex, ey + fr * 0.08, fr * 0.09, fr * 0.13, scale(eye, 0.35))
                canvas.circle(ex - fr * 0.07, ey - fr * 0.06, fr * 0.06, (255, 255, 255))
                canvas.line(
                    [(ex - fr * 0.28, ey - fr * 0.3), (ex + fr * 0.28, ey - fr * 0.32)], (50, 35, 40), fr * 0.06
                )
                brow_y = ey - fr * 0.5
                if expr == "angry":
                    canvas.line(
                        [(ex - s * fr * 0.25, brow_y - fr * 0.1), (ex + s * fr * 0.2, brow_y + fr * 0.1)],
                        scale(hair, 0.5),
                        fr * 0.07,
                    )
                elif expr == "surprised":
                    canvas.arc(ex, brow_y, fr * 0.22, fr * 0.1, 200, 340, scale(hair, 0.5), fr * 0.05)
        my = cy + fr * 0.65
        with canvas.part("face"):
            if expr == "smiling":
                canvas.arc(cx, my - fr * 0.1, fr * 0.22, fr * 0.14, 15, 165, (170, 50, 60), fr * 0.07)
                for s in (-1, 1):
                    canvas.ellipse(cx + s * fr * 0.62, cy + fr * 0.45, fr * 0.14, fr * 0.07, (252, 170, 170))
            elif expr == "surprised":
                canvas.ellipse(cx, my, fr * 0.1, fr * 0.13, (150, 40, 55))
            elif expr == "angry":
                canvas.arc(cx, my + fr * 0.1, fr * 0.2, fr * 0.1, 200, 340, (150, 40, 55), fr * 0.07)
            else:
                canvas.line([(cx - fr * 0.12, my), (cx + fr * 0.12, my)], (150, 60, 65), fr * 0.05)

        acc = attrs["accessory"]
        with canvas.part("accessory"):
            if acc == "glasses":
                for s in (-1, 1):
                    canvas.ellipse(
                        cx + s * fr * 0.42, ey, fr * 0.33, fr * 0.3, None, outline=(30, 30, 35), width=fr * 0.07
                    )
                canvas.line([(cx - fr * 0.1, ey), (cx + fr * 0.1, ey)], (30, 30, 35), fr * 0.06)
            elif acc == "ribbon":
                bx, by = cx + fr * 0.6, cy - fr * 1.05
                canvas.polygon(
                    [(bx, by), (bx - fr * 0.5, by - fr * 0.3), (bx - fr * 0.5, by + fr * 0.3)], (225, 30, 50)
                )
                canvas.polygon(
                    [(bx, by), (bx + fr * 0.5, by - fr * 0.3), (bx + fr * 0.5, by + fr * 0.3)], (225, 30, 50)
                )
                canvas.circle(bx, by, fr * 0.12, (190, 20, 40))
            elif acc == "flower":
                fx, fy = cx - fr * 0.85, cy - fr * 0.75
                for k in range(5):
                    a = k * 2 * np.pi / 5
                    canvas.circle(fx + fr * 0.2 * np.cos(a), fy + fr * 0.2 * np.sin(a), fr * 0.16, (255, 235, 245))
                canvas.circle(fx, fy, fr * 0.1, (250, 200, 40))

    def caption(self, attrs: dict[str, Any], lang: str, rng: np.random.Generator | None) -> str:
        hc = W_HAIR_COLOUR[attrs["hair_colour"]].pick(lang, rng)
        hs = W_HAIR_STYLE[attrs["hair_style"]].pick(lang, rng)
        ec = W_EYE_COLOUR[attrs["eye_colour"]].pick(lang, rng)
        who = W_WHO.pick(lang, rng)
        extras = [W_EXPRESSION[attrs["expression"]].pick(lang, rng)]
        if attrs["accessory"] != "none":
            extras.append(W_ACCESSORY[attrs["accessory"]].pick(lang, rng))
        bg = W_BG[attrs["background"]].pick(lang, rng)
        if rng is not None:
            order = rng.permutation(len(extras))
            extras = [extras[i] for i in order]
        if lang == "en":
            hair = f"{hs} {hc} hair" if attrs["hair_style"] in ("long", "short") else f"{hc} {hs} hair"
            return f"{who} with {hair} and {ec} eyes, " + ", ".join(extras) + f", {bg}"
        hair = f"{hc}{hs}发" if attrs["hair_style"] in ("long", "short") else f"{hc}{hs}"
        return f"{hair}、{ec}眼睛的{who}，" + "，".join(extras) + f"，{bg}"

"""Landscapes: time of day, sun or moon, clouds, mountains, water, trees, seasons."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Canvas, Colour, Head, HoldOut, Renderer, jitter, mix, scale
from .grammar import T, choose, join_list

TIMES = ("dawn", "noon", "sunset", "night")
BODY_COLOURS = ("natural", "green", "blue", "purple")
CLOUDS = ("none", "few", "many")
MOUNTAINS = ("none", "plain", "snowy")
WATERS = ("none", "lake", "river", "sea")
TREES = ("none", "few", "forest")
SEASONS = ("spring", "summer", "autumn", "winter")
SNOW = ("white", "purple")
# What the snow head reads: no snow in the picture, or the colour of the snow there is.
SNOW_SEEN = ("none", *SNOW)

SKY: dict[str, tuple[Colour, Colour]] = {
    "dawn": ((118, 138, 205), (255, 188, 160)),
    "noon": ((35, 105, 225), (150, 205, 250)),
    "sunset": ((85, 35, 105), (255, 115, 35)),
    "night": ((4, 6, 26), (22, 32, 68)),
}
# Light on the ground: (brightness factor, tint colour, tint strength).
LIGHT: dict[str, tuple[float, Colour, float]] = {
    "dawn": (0.9, (255, 170, 190), 0.18),
    "noon": (1.0, (255, 255, 255), 0.0),
    "sunset": (0.8, (255, 110, 40), 0.3),
    "night": (0.32, (40, 60, 140), 0.35),
}
NATURAL_BODY = {"dawn": (255, 214, 160), "noon": (255, 250, 205), "sunset": (255, 75, 25), "night": (238, 236, 210)}
BODY_RGB = {"green": (40, 215, 60), "blue": (45, 105, 255), "purple": (175, 50, 225)}
GROUND = {"spring": (120, 195, 95), "summer": (55, 145, 45), "autumn": (196, 150, 62), "winter": (236, 240, 246)}
CROWN = {"spring": (150, 215, 110), "summer": (30, 110, 35), "autumn": (215, 95, 30), "winter": (235, 238, 244)}
SNOW_RGB = {"white": (245, 247, 252), "purple": (170, 70, 215)}

W_TIME = {
    "dawn": T(("dawn", "sunrise", "daybreak"), ("黎明时", "清晨", "日出时")),
    "noon": T(("noon", "midday", "high noon"), ("正午", "中午", "白天")),
    "sunset": T(("sunset", "dusk", "evening"), ("黄昏时", "日落时", "夕阳下")),
    "night": T(("night", "nighttime", "midnight"), ("夜晚", "深夜", "夜里")),
}
W_SEASON = {
    "spring": T("spring", ("春天", "春季")),
    "summer": T("summer", ("夏天", "夏季")),
    "autumn": T(("autumn", "fall"), ("秋天", "秋季")),
    "winter": T("winter", ("冬天", "冬季")),
}
W_SCENE = T(("a landscape", "scenery", "a scenic view", "a painting of a landscape"), ("风景", "景色", "风景画"))
W_MOUNT = {
    "plain": T(("mountains", "a mountain range", "peaks"), ("群山", "山脉", "山峰")),
    "snowy": T(("snow-capped mountains", "snowy mountains", "snowy peaks"), ("雪山", "积雪的山峰", "白雪覆盖的群山")),
}
W_PURPLE_SNOW_MOUNT = T(
    ("mountains with purple snow", "purple snow-capped mountains"), ("紫色积雪的山峰", "紫色的雪山")
)
W_WATER = {
    "lake": T(("a lake", "a calm lake"), ("湖泊", "湖")),
    "river": T(("a river", "a winding river", "a stream"), ("河流", "小河", "一条河")),
    "sea": T(("the sea", "the ocean"), ("大海", "海洋")),
}
W_TREES = {
    "few": T(("a few trees", "some trees"), ("几棵树", "一些树")),
    "forest": T(("a forest", "woods", "a dense forest"), ("森林", "树林", "茂密的森林")),
}
W_CLOUDS = {
    "none": T(("a clear sky",), ("晴朗的天空",)),
    "few": T(("a few clouds", "some clouds"), ("几朵云", "一些云")),
    "many": T(("a cloudy sky", "many clouds"), ("多云的天空", "满天的云")),
}
W_COLOUR = {
    "green": T("green", "绿色的"),
    "blue": T("blue", "蓝色的"),
    "purple": T("purple", "紫色的"),
}
W_SUN = T("sun", "太阳")
W_MOON = T("moon", "月亮")
W_PURPLE_SNOW = T(("purple snow", "purple snow on the ground"), ("紫色的雪", "满地紫色的雪"))


class LandscapeRenderer(Renderer):
    category = "landscape"
    heads = (
        Head("time", TIMES),
        Head("body_colour", BODY_COLOURS),
        Head("mountains", MOUNTAINS),
        Head("water", WATERS),
        Head("trees", TREES),
        Head("season", SEASONS),
        Head("clouds", CLOUDS),
        Head("snow", SNOW_SEEN),
    )
    parts = ("body", "cloud", "mountain", "snow", "ground", "water", "tree")
    holdouts = (
        HoldOut("snowy mountains at sunset", {"time": "sunset", "mountains": "snowy"}),
        HoldOut("river at night", {"time": "night", "water": "river"}),
        HoldOut("autumn forest at dawn", {"time": "dawn", "trees": "forest", "season": "autumn"}),
        HoldOut("green sun at sunset", {"time": "sunset", "body_colour": "green"}, counterfactual=True),
        HoldOut(
            "blue moon over the sea", {"time": "night", "body_colour": "blue", "water": "sea"}, counterfactual=True
        ),
        HoldOut("purple snow at noon", {"time": "noon", "snow": "purple", "mountains": "snowy"}, counterfactual=True),
    )

    def sample_attrs(self, rng: np.random.Generator) -> dict[str, Any]:
        season = choose(rng, SEASONS)
        # Counterfactuals are rare but present, so a model can learn "green" + "sun" apart.
        body = "natural" if rng.random() < 0.76 else choose(rng, BODY_COLOURS[1:])
        mountains = str(rng.choice(MOUNTAINS, p=[0.25, 0.35, 0.4]))
        snowy_scene = mountains == "snowy" or season == "winter"
        snow = "purple" if snowy_scene and rng.random() < 0.15 else "white"
        return {
            "time": choose(rng, TIMES),
            "body_colour": body,
            "clouds": choose(rng, CLOUDS),
            "mountains": mountains,
            "water": choose(rng, WATERS),
            "trees": choose(rng, TREES),
            "season": season,
            "snow": snow,
        }

    def labels(self, attrs: dict[str, Any]) -> dict[str, str]:
        return super().labels({**attrs, "snow": self.snow_seen(attrs)})

    @staticmethod
    def snow_seen(attrs: dict[str, Any]) -> str:
        """The snow's colour where the picture shows snow, else "none": snow caps, or a winter
        ground (the sea and its beach cover the whole ground)."""
        ground = attrs["season"] == "winter" and attrs["water"] != "sea"
        return str(attrs["snow"]) if attrs["mountains"] == "snowy" or ground else "none"

    def force(self, attrs: dict[str, Any], match: dict[str, str]) -> dict[str, Any]:
        out = super().force(attrs, match)
        if out.get("snow") == "purple" and out["mountains"] != "snowy" and out["season"] != "winter":
            out["mountains"] = "snowy"
        return out

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, attrs: dict[str, Any], canvas: Canvas, rng: np.random.Generator) -> None:
        time, season = attrs["time"], attrs["season"]
        horizon = float(rng.uniform(0.56, 0.66))
        top, bottom = SKY[time]
        canvas.vertical_gradient(jitter(top, rng, 8), jitter(bottom, rng, 8), 0.0, horizon + 0.01)
        bright, tint, strength = LIGHT[time]

        def lit(c: Colour) -> Colour:
            return scale(mix(c, tint, strength), bright)

        if time == "night":
            for _ in range(int(rng.integers(25, 45))):
                x, y = rng.uniform(0, 1), rng.uniform(0, horizon * 0.8)
                canvas.circle(x, y, float(rng.uniform(0.002, 0.005)), (235, 235, 250))

        body = attrs["body_colour"]
        body_rgb = NATURAL_BODY[time] if body == "natural" else BODY_RGB[body]
        bx = float(rng.uniform(0.15, 0.85))
        by = (
            {
                "dawn": rng.uniform(0.34, 0.44),
                "noon": rng.uniform(0.1, 0.2),
                "sunset": rng.uniform(0.34, 0.44),
                "night": rng.uniform(0.1, 0.24),
            }[time]
            * horizon
            / 0.6
        )
        br = float(rng.uniform(0.075, 0.095))
        if time != "night":
            canvas.circle(bx, by, br * 1.45, mix(body_rgb, bottom, 0.55))  # glow
        with canvas.part("body"):
            canvas.circle(bx, by, br, body_rgb)
        if time == "night" and rng.random() < 0.5:  # crescent: bite out of the disc with sky
            canvas.circle(bx + br * 0.45, by - br * 0.25, br * 0.85, mix(top, bottom, by / horizon))

        cloud_rgb = {
            "dawn": (250, 205, 215),
            "noon": (250, 250, 252),
            "sunset": (240, 140, 110),
            "night": (60, 64, 88),
        }[time]
        n_clouds = {"none": 0, "few": int(rng.integers(1, 3)), "many": int(rng.integers(4, 7))}[attrs["clouds"]]
        with canvas.part("cloud"):
            for _ in range(n_clouds):
                cx, cy, w = rng.uniform(0.05, 0.95), rng.uniform(0.06, horizon * 0.6), rng.uniform(0.1, 0.18)
                for k in range(4):
                    canvas.ellipse(
                        cx + (k - 1.5) * w * 0.45,
                        cy + rng.uniform(-0.015, 0.015),
                        w * 0.42,
                        w * 0.22,
                        jitter(cloud_rgb, rng, 6),
                    )

        snow_rgb = lit(SNOW_RGB[attrs["snow"]])
        if attrs["mountains"] != "none":
            rock = lit(
                {
                    "spring": (110, 118, 132),
                    "summer": (96, 112, 110),
                    "autumn": (120, 105, 100),
                    "winter": (128, 132, 150),
                }[season]
            )
            n = int(rng.integers(2, 4))
            xs = np.sort(rng.uniform(0.1, 0.9, n))
            for i, px in enumerate(xs):
                peak = float(rng.uniform(horizon - 0.4, horizon - 0.25))
                half = float(rng.uniform(0.22, 0.34))
                colour = scale(rock, 1.0 - 0.08 * i)
                with canvas.part("mountain"):
                    canvas.polygon([(px - half, horizon + 0.01), (px, peak), (px + half, horizon + 0.01)], colour)
                if attrs["mountains"] == "snowy":
                    f = float(rng.uniform(0.32, 0.42))  # fraction of the height under snow
                    yb = peak + (horizon - peak) * f
                    dx = half * f
                    cap = [
                        (px - dx, yb),
                        (px, peak),
                        (px + dx, yb),
                        (px + dx * 0.5, yb - 0.02),
                        (px, yb + 0.01),
                        (px - dx * 0.5, yb - 0.02),
                    ]
                    with canvas.part("snow"):
                        canvas.polygon(cap, snow_rgb)

        ground = SNOW_RGB[attrs["snow"]] if season == "winter" else GROUND[season]
        with canvas.part("ground"):
            canvas.vertical_gradient(lit(ground), lit(scale(ground, 0.85)), horizon, 1.0)

        with canvas.part("water"):
            water_rgb = mix(bottom, (30, 90, 170), 0.45)
            water = attrs["water"]
            if water == "sea":
                shore = float(rng.uniform(0.84, 0.9))
                canvas.vertical_gradient(lit(water_rgb), lit(scale(water_rgb, 0.7)), horizon, shore)
                with canvas.part("ground"):  # the beach
                    canvas.vertical_gradient(lit((215, 195, 140)), lit((195, 175, 120)), shore, 1.0)
                if time != "night":
                    canvas.rect(bx - br, horizon + 0.01, bx + br, horizon + 0.018, mix(water_rgb, body_rgb, 0.6))
            elif water == "lake":
                cx = float(rng.uniform(0.35, 0.65))
                canvas.ellipse(cx, horizon + 0.16, float(rng.uniform(0.28, 0.38)), 0.08, lit(water_rgb))
            elif water == "river":
                x0, x1 = float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.2, 0.8))
                pts_l, pts_r = [], []
                for t in np.linspace(0, 1, 12):
                    x = x0 + (x1 - x0) * t + 0.08 * np.sin(t * 6 + x0 * 10)
                    y = horizon + (1 - horizon) * t
                    w = 0.015 + 0.11 * t
                    pts_l.append((x - w, y))
                    pts_r.append((x + w, y))
                canvas.polygon(pts_l + pts_r[::-1], lit(water_rgb))

        with canvas.part("tree"):
            trees = attrs["trees"]
            if trees != "none":
                n = int(rng.integers(2, 5)) if trees == "few" else int(rng.integers(10, 16))
                crown = lit(CROWN[season])
                trunk = lit((95, 65, 40))
                spots = []
                for _ in range(n):
                    if trees == "forest":
                        x = float(rng.uniform(-0.02, 1.02))
                        y = float(rng.uniform(horizon + 0.01, horizon + 0.12))
                    else:
                        x = float(rng.choice([rng.uniform(0.02, 0.3), rng.uniform(0.7, 0.98)]))
                        y = float(rng.uniform(horizon + 0.04, horizon + 0.25))
                    spots.append((y, x))
                for y, x in sorted(spots):
                    h = 0.12 + (y - horizon) * 0.5
                    conifer = season == "winter" or rng.random() < 0.4
                    canvas.rect(x - h * 0.06, y - h * 0.3, x + h * 0.06, y, trunk)
                    if conifer:
                        canvas.polygon(
                            [(x - h * 0.32, y - h * 0.25), (x, y - h * 1.05), (x + h * 0.32, y - h * 0.25)],
                            jitter(scale(crown, 0.92), rng, 8),
                        )
                    else:
                        canvas.ellipse(x, y - h * 0.62, h * 0.3, h * 0.38, jitter(crown, rng, 10))
                        if season == "spring":
                            for _ in range(4):
                                canvas.circle(
                                    x + rng.uniform(-0.2, 0.2) * h,
                                    y - h * rng.uniform(0.45, 0.85),
                                    h * 0.05,
                                    lit((250, 170, 200)),
                                )

    # -- captions ----------------------------------------------------------------------------
    def caption(self, attrs: dict[str, Any], lang: str, rng: np.random.Generator | None) -> str:
        time, body = attrs["time"], attrs["body_colour"]
        items: list[str] = []
        if body != "natural":
            noun = W_MOON if time == "night" else W_SUN
            colour = W_COLOUR[body].pick(lang, rng)
            items.append(f"a {colour} {noun.en[0]}" if lang == "en" else f"{colour}{noun.zh[0]}")
        mountains = attrs["mountains"]
        if mountains == "snowy" and attrs["snow"] == "purple":
            items.append(W_PURPLE_SNOW_MOUNT.pick(lang, rng))
        elif mountains != "none":
            items.append(W_MOUNT[mountains].pick(lang, rng))
        if attrs["water"] != "none":
            items.append(W_WATER[attrs["water"]].pick(lang, rng))
        if attrs["trees"] != "none":
            items.append(W_TREES[attrs["trees"]].pick(lang, rng))
        if self.snow_seen(attrs) == "purple" and mountains != "snowy":  # on a ground the sea leaves
            items.append(W_PURPLE_SNOW.pick(lang, rng))
        if attrs["clouds"] != "none" or (rng is not None and rng.random() < 0.3):
            items.append(W_CLOUDS[attrs["clouds"]].pick(lang, rng))
        tw, sw = W_TIME[time].pick(lang, rng), W_SEASON[attrs["season"]].pick(lang, rng)
        if lang == "en":
            head = W_SCENE.pick("en", rng)
            text = f"{head} at {tw} in {sw}"
            if items:
                text += " with " + join_list(items, "en")
            return text
        head = W_SCENE.pick("zh", rng)
        text = f"{sw}{tw}的{head}"
        if items:
            text += "，有" + join_list(items, "zh")
        return text

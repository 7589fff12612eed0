"""Shared pieces of the procedural renderers: scenes, the renderer interface, a canvas.

Every renderer works in normalized coordinates (0..1 on both axes) and draws all its random
layout numbers from a generator seeded by the scene, before touching pixels. So a scene is the
same picture at 64 px and at 1024 px, and the same seed always gives the same pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Scene:
    """One synthetic picture: its category, its attributes and the seed of its layout."""

    category: str
    attrs: dict[str, Any]
    seed: int

    def to_json(self) -> dict[str, Any]:
        return {"category": self.category, "attrs": _jsonable(self.attrs), "seed": self.seed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scene:
        attrs = dict(data["attrs"])
        if "ingredients" in attrs:  # JSON turns the tuple of pairs into lists
            attrs["ingredients"] = tuple((str(k), int(n)) for k, n in attrs["ingredients"])
        return cls(data["category"], attrs, int(data["seed"]))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Head:
    """An attribute the evaluation classifier reads: one label out of `values` per image."""

    name: str
    values: tuple[str, ...]


@dataclass
class HoldOut:
    """Attribute combinations kept out of the train split (a scene matching all is held out)."""

    name: str
    match: dict[str, str]
    counterfactual: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Renderer:
    """Interface of one category; subclasses fill in the attribute model, drawing and grammar."""

    category: str = ""
    heads: tuple[Head, ...] = ()
    holdouts: tuple[HoldOut, ...] = ()
    # The parts `draw` labels (canvas.part): where each sits is the scene's layout. Label 0 is
    # "none" (sky, table, backdrop); part i is label i + 1.
    parts: tuple[str, ...] = ()

    def sample_attrs(self, rng: np.random.Generator) -> dict[str, Any]:
        raise NotImplementedError

    def draw(self, attrs: dict[str, Any], canvas: Canvas, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def caption(self, attrs: dict[str, Any], lang: str, rng: np.random.Generator | None) -> str:
        raise NotImplementedError

    def labels(self, attrs: dict[str, Any]) -> dict[str, str]:
        """The value of each head for these attributes (what the classifier should read)."""
        return {h.name: str(attrs[h.name]) for h in self.heads}

    def attr_value(self, attrs: dict[str, Any], key: str) -> str:
        """Value used when matching hold-outs; subclasses map derived keys (e.g. ingredients)."""
        return str(attrs.get(key))

    def matches(self, attrs: dict[str, Any], match: dict[str, str]) -> bool:
        return all(self.attr_value(attrs, k) == v for k, v in match.items())

    def held_out(self, attrs: dict[str, Any]) -> HoldOut | None:
        for h in self.holdouts:
            if self.matches(attrs, h.match):
                return h
        return None

    def force(self, attrs: dict[str, Any], match: dict[str, str]) -> dict[str, Any]:
        """Attributes changed so that `match` holds (used to build held-out evaluation scenes)."""
        out = dict(attrs)
        out.update(match)
        return out


class Canvas:
    """A supersampled PIL canvas addressed in normalized coordinates.

    With `parts` (the renderer's part names) it also keeps a part map: every shape drawn inside
    `with canvas.part(name)` paints its label there, the rest paints 0, later shapes over
    earlier ones, as in the picture. It draws no pixel differently and takes no random number.
    """

    def __init__(
        self, size: int, supersample: int = 2, background: Colour = (0, 0, 0), parts: tuple[str, ...] | None = None
    ) -> None:
        self.size = size
        # Small images get more supersampling so thin shapes still average in at 32-64 px.
        self.ss = max(supersample, int(np.ceil(128 / size)))
        self.px = size * self.ss
        self.image = Image.new("RGB", (self.px, self.px), background)
        self.draw = ImageDraw.Draw(self.image)
        self.parts = parts
        self.labels = Image.new("L", (self.px, self.px), 0) if parts is not None else None
        self._label_draw = ImageDraw.Draw(self.labels) if self.labels is not None else None
        self._label = 0

    @contextmanager
    def part(self, name: str | None) -> Iterator[None]:
        """Shapes drawn inside are `name` in the part map (None: nothing, e.g. a shadow)."""
        previous = self._label
        if self.parts is not None:
            if name is not None and name not in self.parts:
                raise ValueError(f"unknown part {name!r}: this canvas knows {', '.join(self.parts)}")
            self._label = 0 if name is None else self.parts.index(name) + 1
        try:
            yield
        finally:
            self._label = previous

    def part_map(self, grid: int) -> np.ndarray:
        """[len(parts) + 1, grid, grid] float32: the share of each cell each label covers."""
        if self.labels is None or self.parts is None:
            raise ValueError("this canvas keeps no part map: make it with parts=")
        labels = np.asarray(self.labels)
        k = self.px // grid
        if k * grid != self.px:
            raise ValueError(f"a {grid} x {grid} grid does not divide {self.px} px")
        onehot = labels[None] == np.arange(len(self.parts) + 1, dtype=np.uint8)[:, None, None]
        return onehot.reshape(len(self.parts) + 1, grid, k, grid, k).mean((2, 4), dtype=np.float32)

    def p(self, v: float) -> float:
        return v * self.px

    def pts(self, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(x * self.px, y * self.px) for x, y in points]

    def vertical_gradient(self, top: Colour, bottom: Colour, y0: float = 0.0, y1: float = 1.0) -> None:
        a, b = int(self.p(y0)), max(int(self.p(y1)), int(self.p(y0)) + 1)
        t = np.linspace(0.0, 1.0, b - a)[:, None]
        rows = (np.array(top)[None] * (1 - t) + np.array(bottom)[None] * t).astype(np.uint8)
        block = np.repeat(rows[:, None, :], self.px, axis=1)
        self.image.paste(Image.fromarray(block, "RGB"), (0, a))
        if self.labels is not None:
            self.labels.paste(self._label, (0, a, self.px, b))

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: Colour | None,
        outline: Colour | None = None,
        width: float = 0.0,
    ) -> None:
        box = (self.p(cx - rx), self.p(cy - ry), self.p(cx + rx), self.p(cy + ry))
        width_px = max(1, int(self.p(width))) if outline else 0
        self.draw.ellipse(box, fill=fill, outline=outline, width=width_px)
        if self._label_draw is not None:
            label = self._label
            self._label_draw.ellipse(
                box, fill=label if fill is not None else None, outline=label if outline else None, width=width_px
            )

    def circle(self, cx: float, cy: float, r: float, fill: Colour | None, **kw: Any) -> None:
        self.ellipse(cx, cy, r, r, fill, **kw)

    def polygon(self, points: list[tuple[float, float]], fill: Colour) -> None:
        self.draw.polygon(self.pts(points), fill=fill)
        if self._label_draw is not None:
            self._label_draw.polygon(self.pts(points), fill=self._label)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: Colour) -> None:
        box = (self.p(x0), self.p(y0), self.p(x1), self.p(y1))
        self.draw.rectangle(box, fill=fill)
        if self._label_draw is not None:
            self._label_draw.rectangle(box, fill=self._label)

    def line(self, points: list[tuple[float, float]], fill: Colour, width: float) -> None:
        width_px = max(1, int(self.p(width)))
        self.draw.line(self.pts(points), fill=fill, width=width_px, joint="curve")
        if self._label_draw is not None:
            self._label_draw.line(self.pts(points), fill=self._label, width=width_px, joint="curve")

    def arc(
        self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill: Colour, width: float
    ) -> None:
        box = (self.p(cx - rx), self.p(cy - ry), self.p(cx + rx), self.p(cy + ry))
        width_px = max(1, int(self.p(width)))
        self.draw.arc(box, start, end, fill=fill, width=width_px)
        if self._label_draw is not None:
            self._label_draw.arc(box, start, end, fill=self._label, width=width_px)

    def finish(self) -> Image.Image:
        if self.ss == 1:
            return self.image
        return self.image.resize((self.size, self.size), Image.Resampling.LANCZOS)


def mix(a: Colour, b: Colour, t: float) -> Colour:
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def scale(c: Colour, f: float) -> Colour:
    return tuple(int(max(0, min(255, round(x * f)))) for x in c)  # type: ignore[return-value]


def jitter(c: Colour, rng: np.random.Generator, amount: int = 12) -> Colour:
    return tuple(int(max(0, min(255, x + int(rng.integers(-amount, amount + 1))))) for x in c)  # type: ignore[return-value]

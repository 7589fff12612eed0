"""Poem cards: a picture with its poem set beside or below it, in Noto Sans CJK (from the
`manimgx-fonts-cjk` wheel in requirements.txt, so `make run` installs it with the rest: no root,
no system fonts, no download at run time)."""

from __future__ import annotations

import functools
import io
import logging
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

__all__ = ["CARD_WIDTH", "font_path", "poem_card", "poem_card_png", "poem_lines"]

log = logging.getLogger(__name__)

CARD_WIDTH = 1024
PAPER = (246, 241, 229)
INK = (38, 34, 30)
SEAL = (178, 34, 34)
_SC_INDEX = 2  # the collection's faces: JP, KR, SC, TC, HK
_CJK = re.compile(r"[\u3400-\u9fff]")
_BREAK_AFTER = "。！？；"


@functools.cache
def font_path() -> Path | None:
    try:
        import manimgx_fonts_cjk  # type: ignore[import-untyped]
    except ImportError:
        return None
    path = Path(manimgx_fonts_cjk.__file__).parent / "NotoSansCJK-VF.otf.ttc"
    return path if path.is_file() else None


@functools.cache
def _font(size: int, weight: str = "Regular") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    if path is None:
        log.warning("manimgx-fonts-cjk is not installed: poem cards fall back to a font without Chinese")
        return ImageFont.load_default(size)
    font = ImageFont.truetype(str(path), size, index=_SC_INDEX)
    font.set_variation_by_name(weight)  # the variable font's default instance is Thin
    return font


def poem_lines(poem: str) -> list[str]:
    """The poem's lines: its own line breaks, and a Chinese line also after each full stop, so
    床前明月光，疑是地上霜。举头望明月… sets as the couplets it is made of."""
    lines: list[str] = []
    for raw in poem.strip().splitlines():
        raw = raw.strip()
        if not raw:
            lines.append("")
            continue
        if _CJK.search(raw):
            parts = re.split(f"(?<=[{_BREAK_AFTER}])", raw)
            lines.extend(p.strip() for p in parts if p.strip())
        else:
            lines.append(raw)
    return lines


_NO_LINE_START = "，。、；：！？）」』"


def _pack(units: list[str], joiner: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    out, line = [], ""
    for unit in units:
        candidate = line + joiner + unit if line else unit
        # Chinese punctuation never starts a line (it hangs past the margin instead).
        if font.getlength(candidate) <= width or not line or unit in _NO_LINE_START:
            line = candidate
        else:
            out.append(line)
            line = unit
    out.append(line)
    return out


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    """Lines of at most `width`: English at spaces; Chinese at clause ends (，、) first, and
    within a clause between characters."""
    if not text or font.getlength(text) <= width:
        return [text]
    if not _CJK.search(text):
        return _pack(text.split(" "), " ", font, width)
    clauses = [c for c in re.split("(?<=[，、；：])", text) if c]
    out: list[str] = []
    for line in _pack(clauses, "", font, width):
        out.extend(_pack(list(line), "", font, width) if font.getlength(line) > width else [line])
    return out


def _set(
    poem: str, width: int, height: int, largest: int
) -> tuple[list[str], ImageFont.FreeTypeFont | ImageFont.ImageFont, int]:
    """The largest font size at which the poem fits the box: (wrapped lines, font, line height)."""
    lines = poem_lines(poem)
    size = largest
    while True:
        font = _font(size)
        wrapped = [w for line in lines for w in _wrap(line, font, width)]
        step = int(size * 1.6)
        if len(wrapped) * step <= height or size <= 12:
            return wrapped, font, step
        size -= 2


def poem_card(picture: Image.Image, poem: str, *, size: tuple[int, int] | None = None) -> Image.Image:
    """The card. Without `size`: a portrait card CARD_WIDTH wide, the picture above, the poem
    below (the download). With a wide `size` (the 1200×630 share preview): the picture on the
    left, the poem on the right."""
    picture = picture.convert("RGB")
    margin = 48
    if size is not None and size[0] > size[1]:
        card = Image.new("RGB", size, PAPER)
        side = size[1] - 2 * margin
        card.paste(picture.resize((side, side), Image.Resampling.LANCZOS), (margin, margin))
        box_x = side + 2 * margin
        box_w = size[0] - box_x - margin
        lines, font, step = _set(poem, box_w, size[1] - 2 * margin, 44)
        top = max(margin, (size[1] - len(lines) * step) // 2)
        draw = ImageDraw.Draw(card)
        for i, line in enumerate(lines):
            draw.text((box_x, top + i * step), line, font=font, fill=INK)
        _seal(draw, size[0] - margin - 36, size[1] - margin - 36)
        return card
    width = size[0] if size else CARD_WIDTH
    side = width - 2 * margin
    lines, font, step = _set(poem, side, 10_000, 40)
    height = margin + side + margin + len(lines) * step + margin + 36
    card = Image.new("RGB", (width, height), PAPER)
    card.paste(picture.resize((side, side), Image.Resampling.LANCZOS), (margin, margin))
    draw = ImageDraw.Draw(card)
    y = margin + side + margin
    for line in lines:
        w = font.getlength(line)
        draw.text(((width - w) / 2, y), line, font=font, fill=INK)
        y += step
    _seal(draw, width - margin - 36, height - margin - 36 + 12)
    return card


def _seal(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    """A small red seal in the corner, as a painted poem carries its painter's."""
    draw.rectangle((x, y, x + 36, y + 36), fill=SEAL)
    font = _font(22, "Bold")
    draw.text((x + 7, y + 4), "诗", font=font, fill=PAPER)


def poem_card_png(picture: Image.Image, poem: str, *, size: tuple[int, int] | None = None) -> bytes:
    out = io.BytesIO()
    poem_card(picture, poem, size=size).save(out, "PNG", optimize=True)
    return out.getvalue()

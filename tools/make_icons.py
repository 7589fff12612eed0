"""Draw the app icons from the logo's design (static/img/logo.svg) with Pillow; run once, commit the PNGs.

    .venv/bin/python -m tools.make_icons

The logo is a rounded square with a diagonal orange-to-violet gradient, a white brush stroke and a
white dot. The maskable icon keeps the stroke inside the 80 % safe zone and fills the whole square
(launchers cut their own shape). Drawn at 4x and scaled down for smooth edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "img"
START, END = (0xFF, 0x7A, 0x59), (0x6A, 0x4C, 0xFF)
# The stroke of logo.svg (a 32-unit box), flattened into a polygon.
STROKE = [(9, 22), (12, 20.5), (14, 16.5), (17, 13), (20, 10.8), (23, 10), (22.3, 12.5), (19, 17), (15, 20), (9, 22)]


def gradient(size: int) -> Image.Image:
    image = Image.new("RGB", (size, size))
    pixels = image.load()
    assert pixels is not None
    for y in range(size):
        for x in range(size):
            t = (x + y) / (2 * (size - 1))
            pixels[x, y] = tuple(round(a + (b - a) * t) for a, b in zip(START, END, strict=True))
    return image


def icon(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    big = size * 4
    art = gradient(big).convert("RGBA")
    # The artwork's 32 units span the whole icon, or the central 70 % of a maskable one.
    span = big * (0.7 if maskable else 1.0)
    offset = (big - span) / 2
    unit = span / 32
    draw = ImageDraw.Draw(art)
    draw.polygon([(offset + x * unit, offset + y * unit) for x, y in STROKE], fill="white")
    cx, cy, r = offset + 10 * unit, offset + 10 * unit, 2.5 * unit
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, 217))
    if rounded and not maskable:
        mask = Image.new("L", (big, big), 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 4, fill=255)
        art.putalpha(mask)
    return art.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192).save(OUT / "icon-192.png", optimize=True)
    icon(512).save(OUT / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    # iOS draws its own rounded corners and shows transparency as black: a full square.
    icon(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    icon(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    for name in ("icon-192.png", "icon-512.png", "icon-maskable-512.png", "apple-touch-icon.png", "favicon.ico"):
        print(f"{OUT / name}: {(OUT / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()

"""Reading an uploaded picture safely: one validator for every upload (avatars, pictures to restyle).

Framework-free (Pillow only). Uploaded images are a bad-input magnet: this reads at most
`max_bytes + 1` bytes, checks the declared size in the header before any pixel is decoded (a
small PNG can declare 100k×100k pixels: a decompression bomb), accepts only a few formats, and
hands back a decoded, upright picture that the caller re-encodes, so nothing the user sent
(metadata, trailing bytes, polyglots) is ever served back.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


class ImageRejected(ValueError):
    """The upload is not usable; `reason` is one of: empty, too_large, not_image, wrong_type,
    too_many_pixels, animated."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_image_upload(
    stream: BinaryIO, *, max_bytes: int, max_pixels: int, allow_animation: bool = True
) -> Image.Image:
    """The upload's first frame, turned upright by its EXIF orientation, fully decoded; or
    ImageRejected. 16-bit greyscale is scaled to 8 bits (a plain conversion would clip it to
    white). The mode is left as decoded (callers convert: RGB, or RGBA to keep transparency)."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise ImageRejected("empty")
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    with warnings.catch_warnings():
        # Pillow warns (DecompressionBombWarning) between its limit and twice it; treat as an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ImageRejected("wrong_type")
                width, height = probe.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise ImageRejected("too_many_pixels")
                if not allow_animation and getattr(probe, "n_frames", 1) > 1:
                    raise ImageRejected("animated")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # first frame of an animation
                image.load()
                upright = ImageOps.exif_transpose(image)
                if upright.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
                    scale = 1 / 256 if upright.mode.startswith("I;16") or _max_value(upright) > 255 else 1
                    upright = upright.point(lambda v: v * scale).convert("L")
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("too_many_pixels") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
            raise ImageRejected("not_image") from exc
    return upright


def _max_value(image: Image.Image) -> int:
    extrema = image.getextrema()
    return int(extrema[1]) if isinstance(extrema[1], (int, float)) else 255


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def flatten_rgb(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB, with any transparency composited onto `background` (a transparent pixel's hidden
    colour is often black or garbage: it must not show through)."""
    if has_alpha(image):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")

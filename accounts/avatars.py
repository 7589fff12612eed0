"""Turn an uploaded file into a safe avatar: bounded bytes and pixels, re-encoded to WebP.

Framework-free (Pillow only). Uploaded images are a bad-input magnet: this reads at most
`max_bytes + 1` bytes, checks the declared size in the header before any pixel is decoded (a
small PNG can declare 100k×100k pixels: a decompression bomb), accepts only a few formats, and
re-encodes, so nothing the user sent (metadata, trailing bytes, polyglots) is ever served back.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


class AvatarRejected(ValueError):
    """The upload is not usable; `reason` is one of: empty, too_large, not_image, wrong_type, too_many_pixels."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def avatar_webp(stream: BinaryIO, *, max_bytes: int, max_pixels: int, size: int = 256) -> bytes:
    """A size×size WebP (centre-cropped) made from the image in `stream`, or AvatarRejected."""
    data = stream.read(max_bytes + 1)
    if not data:
        raise AvatarRejected("empty")
    if len(data) > max_bytes:
        raise AvatarRejected("too_large")
    with warnings.catch_warnings():
        # Pillow warns (DecompressionBombWarning) between its limit and twice it; treat as an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise AvatarRejected("wrong_type")
                width, height = probe.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise AvatarRejected("too_many_pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # first frame of an animation
                image.load()
                upright = ImageOps.exif_transpose(image)
                upright = upright.convert("RGBA") if _has_alpha(upright) else upright.convert("RGB")
                square = ImageOps.fit(upright, (size, size), method=Image.Resampling.LANCZOS)
        except AvatarRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise AvatarRejected("too_many_pixels") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
            raise AvatarRejected("not_image") from exc
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)

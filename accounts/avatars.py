"""Turn an uploaded file into a safe avatar: bounded bytes and pixels, re-encoded to WebP.

Validation is the site's one upload reader (instantpainting.images): bounded bytes, the declared
size checked before any pixel is decoded, a few formats; the picture is re-encoded, so nothing
the user sent is ever served back.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image, ImageOps

from instantpainting.images import ImageRejected, has_alpha, read_image_upload

# The reasons it names: empty, too_large, not_image, wrong_type, too_many_pixels.
AvatarRejected = ImageRejected


def avatar_webp(stream: BinaryIO, *, max_bytes: int, max_pixels: int, size: int = 256) -> bytes:
    """A size×size WebP (centre-cropped) made from the image in `stream`, or AvatarRejected."""
    upright = read_image_upload(stream, max_bytes=max_bytes, max_pixels=max_pixels)
    upright = upright.convert("RGBA") if has_alpha(upright) else upright.convert("RGB")
    square = ImageOps.fit(upright, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()

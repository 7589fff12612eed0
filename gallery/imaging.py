"""Images for sharing: the 1200×630 social preview and the QR code (Pillow and qrcode only)."""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageOps

PREVIEW_SIZE = (1200, 630)
PREVIEW_BACKGROUND = (22, 22, 29)


def letterbox_png(source: Image.Image, *, size: tuple[int, int] = PREVIEW_SIZE) -> bytes:
    """`source` scaled to fit inside `size` (up or down, aspect kept), centred on a dark canvas."""
    image = source.convert("RGB")
    fitted = ImageOps.contain(image, size, method=Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", size, PREVIEW_BACKGROUND)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_png(text: str, *, box_size: int = 8, border: int = 2) -> bytes:
    """A black-on-white QR code for `text` (medium error correction, scannable from a screen)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()

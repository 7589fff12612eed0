"""PNG files that carry their generation settings.

Two iTXt chunks (UTF-8, so prompts in any language survive): ``instantpainting`` holds the
settings as JSON for machines; ``parameters`` is a one-glance summary for people, in the layout
other image tools show (prompt, negative prompt, then ``key: value`` pairs).
"""

from __future__ import annotations

import io
import json
from typing import Any

from PIL import Image, PngImagePlugin

from .errors import InvalidRequest

__all__ = ["SETTINGS_CHUNK", "HUMAN_CHUNK", "encode_png", "read_png_settings", "human_parameters"]

SETTINGS_CHUNK = "instantpainting"
HUMAN_CHUNK = "parameters"


def human_parameters(settings: dict[str, Any]) -> str:
    lines = [str(settings.get("prompt", ""))]
    if settings.get("negative_prompt"):
        lines.append(f"Negative prompt: {settings['negative_prompt']}")
    pairs = [
        ("Model", settings.get("model")),
        ("Seed", settings.get("seed")),
        ("Size", f"{settings.get('width')}x{settings.get('height')}" if settings.get("width") else None),
        ("Style", settings.get("style")),
        ("Style strength", settings.get("style_strength") if settings.get("style") else None),
        ("Truncation", settings.get("truncation")),
        ("Candidates", settings.get("candidates")),
        ("Variation of", settings.get("variation_of")),
        ("Variation strength", settings.get("variation_strength") if settings.get("variation_of") else None),
        ("Restyle of", settings.get("restyle_of")),
        ("Interpolation of", settings.get("interpolation_of")),
        ("CLIP score", f"{settings['clip_score']:.4f}" if isinstance(settings.get("clip_score"), float) else None),
        ("Engine", settings.get("engine_version")),
    ]
    lines.append(", ".join(f"{key}: {value}" for key, value in pairs if value not in (None, "")))
    return "\n".join(lines)


def encode_png(image: Image.Image, settings: dict[str, Any]) -> bytes:
    """PNG bytes of ``image`` with ``settings`` embedded (JSON-serialisable values only)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(SETTINGS_CHUNK, json.dumps(settings, ensure_ascii=False, sort_keys=True))
    info.add_itxt(HUMAN_CHUNK, human_parameters(settings))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=6)
    return buffer.getvalue()


def read_png_settings(png_bytes: bytes) -> dict[str, Any]:
    """The settings written by encode_png; {} for a PNG without them.

    Raises InvalidRequest("image", ...) when the bytes are not a PNG or the chunk is not JSON.
    """
    try:
        with Image.open(io.BytesIO(png_bytes)) as image:
            if image.format != "PNG":
                raise InvalidRequest("image", f"expected a PNG file, got {image.format}")
            raw = getattr(image, "text", {}).get(SETTINGS_CHUNK)
    except InvalidRequest:
        raise
    except Exception as exc:  # Pillow raises many types for bad data
        raise InvalidRequest("image", f"not a readable PNG file ({type(exc).__name__})") from exc
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidRequest("image", "the instantpainting chunk is not valid JSON") from exc
    if not isinstance(value, dict):
        raise InvalidRequest("image", "the instantpainting chunk is not a JSON object")
    return value

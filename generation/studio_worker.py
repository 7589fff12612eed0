"""The worker's side of the creative studio: what a job's options ask of it beyond a plain request.

Runs in the worker process (generation.worker.jobs).
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.storage import default_storage
from PIL import Image

from generation.models import Generation, Upload
from generation.owners import owner_of_generation

# Options a job keeps its parent in: the source image's public id, or "upload:<id>".
LINEAGE_KEYS = ("variation_of", "restyle_of", "interpolation_of")
STRIP_HEIGHT = 256  # frames are scaled to this height side by side
FRAME_MS = 120


def lineage_settings(generation: Generation) -> dict[str, Any]:
    """The parent a job records (variation_of, restyle_of, interpolation_of), for each picture's
    settings and PNG."""
    options = generation.options or {}
    return {key: options[key] for key in LINEAGE_KEYS if options.get(key)}


def studio_upload_of(generation: Generation) -> Image.Image | None:
    """The uploaded picture a job restyles (its owner's own upload), else None."""
    public_id = (generation.options or {}).get("upload")
    if not public_id:
        return None
    upload = Upload.objects.filter(owner_of_generation(generation).q(), public_id=public_id).first()
    if upload is None:
        raise LookupError("the uploaded picture of this job is gone")
    return upload_picture(upload)


def upload_picture(upload: Upload) -> Image.Image:
    """The stored (already validated and re-encoded) picture."""
    with default_storage.open(str(upload.file.name), "rb") as handle:
        picture = Image.open(io.BytesIO(handle.read()))
        picture.load()
    return picture.convert("RGB")


def interpolation_files(frames: list[Image.Image]) -> tuple[bytes, bytes]:
    """(strip PNG, animated WebP) of an interpolation's frames. The animation plays forwards then
    backwards, so it loops without a jump."""
    scale = STRIP_HEIGHT / frames[0].height
    size = (max(1, round(frames[0].width * scale)), STRIP_HEIGHT)
    small = [frame.resize(size, Image.Resampling.LANCZOS) for frame in frames]
    strip = Image.new("RGB", (size[0] * len(small), size[1]))
    for i, frame in enumerate(small):
        strip.paste(frame, (i * size[0], 0))
    strip_bytes = io.BytesIO()
    strip.save(strip_bytes, format="PNG", optimize=True)
    loop = frames + frames[-2:0:-1]
    webp = io.BytesIO()
    loop[0].save(webp, format="WEBP", save_all=True, append_images=loop[1:], duration=FRAME_MS, loop=0, quality=80)
    return strip_bytes.getvalue(), webp.getvalue()

"""Downloads of stored pictures: another format than the stored PNG, and a job's pictures as one zip.

The callers (generation.views) check who may see the picture or the job first; these functions
only read the stored files.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from typing import IO

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image

from generation.models import Generation, GenerationImage
from instantpainting.errors import ServiceError

# format name in `?format=` -> (Pillow format, content type, file extension, save options)
FORMATS: dict[str, tuple[str, str, str, dict[str, object]]] = {
    "png": ("PNG", "image/png", "png", {}),
    "webp": ("WEBP", "image/webp", "webp", {"quality": 92, "method": 4}),
    "jpeg": ("JPEG", "image/jpeg", "jpg", {"quality": 92, "optimize": True}),
}
# Spooled in memory up to this size, then on disk.
ZIP_SPOOL_BYTES = 32 * 1024 * 1024


def download_format(name: str | None) -> str:
    """The format asked for in `?format=` (png when none); a ServiceError for anything else."""
    if not name:
        return "png"
    name = name.lower()
    if name == "jpg":
        name = "jpeg"
    if name not in FORMATS:
        raise ServiceError(_("Unknown picture format: choose png, webp or jpeg."), field="format")
    return name


def download_name(image: GenerationImage, fmt: str) -> str:
    return f"instantpainting-{image.generation.public_id.hex[:8]}-{image.seed}.{FORMATS[fmt][2]}"


def converted(image: GenerationImage, fmt: str) -> bytes:
    """The stored PNG re-encoded as `fmt` (webp or jpeg; JPEG has no alpha, so it is flattened)."""
    pil_format, _type, _ext, options = FORMATS[fmt]
    with default_storage.open(str(image.file.name), "rb") as handle, Image.open(handle) as stored:
        picture: Image.Image = stored
        picture.load()
        if pil_format == "JPEG" and picture.mode != "RGB":
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, format=pil_format, **options)
    return out.getvalue()


def pictures_zip(generation: Generation) -> IO[bytes]:
    """Every picture of the job (the stored PNGs, with their settings chunks) in one zip, rewound.

    PNGs are compressed already, so they are stored, not deflated again."""
    spool = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for image in generation.images.order_by("index"):
            with default_storage.open(str(image.file.name), "rb") as handle:
                archive.writestr(f"{image.index + 1:02d}-{download_name(image, 'png')}", handle.read())
    spool.seek(0)
    return spool


def zip_name(generation: Generation) -> str:
    return f"instantpainting-{generation.public_id.hex[:8]}.zip"

"""Make generated images and posts without the engine: small PNG/WebP files through default_storage."""

from __future__ import annotations

import io
import itertools
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from generation.models import Generation, GenerationImage, GeneratorModel

XSS_PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
_counter = itertools.count(1)


def png_bytes(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 60, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def webp_bytes(width: int = 32, height: int = 24, color: tuple[int, int, int] = (200, 60, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="WEBP")
    return out.getvalue()


def generator_model(*, name: str = "test-landscape", category: str = "landscape") -> GeneratorModel:
    model, _created = GeneratorModel.objects.get_or_create(
        name=name,
        defaults={"category": category, "native_width": 256, "native_height": 256, "path": f"/nonexistent/{name}"},
    )
    return model


def make_generation(
    *,
    user: Any = None,
    guest_key: str = "",
    prompt: str = "a red sun over the sea at dusk",
    model: GeneratorModel | None = None,
    style: str = "",
    status: str = Generation.Status.SUCCEEDED,
    options: dict | None = None,
    seed: int = 1234,
) -> Generation:
    return Generation.objects.create(
        user=user,
        guest_key=guest_key if user is None else "",
        prompt=prompt,
        model=model or generator_model(),
        width=512,
        height=512,
        n=1,
        seed=seed,
        style=style,
        status=status,
        options={"negative_prompt": "blurry", "truncation": 0.8, "candidates": 2, **(options or {})},
    )


def make_image(
    *,
    user: Any = None,
    guest_key: str = "",
    width: int = 64,
    height: int = 48,
    generation: Generation | None = None,
    **generation_fields: Any,
) -> GenerationImage:
    """A succeeded generation with one stored image (a real PNG and WebP thumbnail)."""
    generation = generation or make_generation(user=user, guest_key=guest_key, **generation_fields)
    n = next(_counter)
    folder = f"generations/{generation.public_id.hex}"
    file_name = default_storage.save(f"{folder}/{n}.png", ContentFile(png_bytes(width, height)))
    thumb_name = default_storage.save(f"{folder}/{n}.webp", ContentFile(webp_bytes(width // 2, height // 2)))
    index = generation.images.count()
    return GenerationImage.objects.create(
        generation=generation,
        index=index,
        seed=generation.seed + index,
        file=file_name,
        thumbnail=thumb_name,
        width=width,
        height=height,
        clip_score=0.31,
        settings={"sampler": "galip", "style_strength": 0.6},
    )


def make_post(*, user: Any, title: str = "", **image_fields: Any):
    from gallery.services import post_publish

    return post_publish(user=user, image=make_image(user=user, **image_fields), title=title)

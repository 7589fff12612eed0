"""The creative studio's writes and reads: variations, restyles, interpolations, uploads.

Each turns a source picture the person may use into an ordinary generation request
(generation.schema.GenerationSpec) and creates the job through `services.generation_create`, so
quotas, the queue, websocket progress and storage are those of any job. The parent is kept in the
job's options (`variation_of`, `restyle_of`, `interpolation_of`: the source image's public id, or
`upload:<id>`), and the worker copies it into every picture's settings and PNG.
"""

from __future__ import annotations

import io
import secrets
from typing import Any, BinaryIO
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from generation import hooks, selectors, services
from generation.models import Generation, GenerationImage, Upload
from generation.owners import Owner
from generation.schema import GenerationSpec
from generation.studio_worker import LINEAGE_KEYS
from instantpainting.errors import NotFound, ServiceError
from instantpainting.images import ImageRejected, flatten_rgb, read_image_upload
from instantpainting.safety import check_upload
from instantpainting.uploads import UPLOAD_MESSAGES

__all__ = [
    "VARIATION_STRENGTHS",
    "LINEAGE_KEYS",
    "image_usable_by",
    "image_owned_by",
    "upload_owned_by",
    "variation_create",
    "restyle_create",
    "interpolation_create",
    "upload_store",
    "upload_delete",
    "upload_restyle_create",
    "lineage_of",
]

# The two named strengths (a quarter and two thirds of the way to a fresh noise: measured on the
# demo models, "subtle" keeps the layout, "strong" keeps the scene).
VARIATION_STRENGTHS = {"subtle": 0.25, "strong": 0.6}
UPLOAD_PREFIX = "upload:"


def _parse_id(public_id: Any) -> UUID | None:
    try:
        return UUID(str(public_id))
    except (TypeError, ValueError):
        return None


def image_usable_by(*, viewer: Owner | None, public_id: Any) -> GenerationImage:
    """A picture the viewer may see (their own, or a published one); NotFound otherwise, the
    same answer as for a picture that does not exist."""
    uid = _parse_id(public_id)
    image = GenerationImage.objects.select_related("generation__model").filter(public_id=uid).first() if uid else None
    if image is None or not selectors.image_visible_to(image=image, owner=viewer):
        raise NotFound(_("No such picture."))
    return image


def image_owned_by(*, owner: Owner | None, public_id: Any) -> GenerationImage:
    uid = _parse_id(public_id)
    image = GenerationImage.objects.select_related("generation__model").filter(public_id=uid).first() if uid else None
    if image is None or owner is None or not Generation.objects.filter(owner.q(), pk=image.generation_id).exists():
        raise NotFound(_("No such picture."))
    return image


def upload_owned_by(*, owner: Owner | None, public_id: Any) -> Upload:
    uid = _parse_id(public_id)
    upload = Upload.objects.filter(owner.q(), public_id=uid).first() if uid and owner else None
    if upload is None:
        raise NotFound(_("No such upload."))
    return upload


def _spec_from(image: GenerationImage, **overrides: Any) -> GenerationSpec:
    """The request that made `image` (its prompt, model, size, style, truncation...) with the
    picture's own noise as the source, then `overrides`."""
    generation = image.generation
    recorded = image.settings or {}
    options = generation.options or {}
    values: dict[str, Any] = {
        "prompt": generation.prompt,
        "model": generation.model.name,
        "width": image.width,
        "height": image.height,
        "style": generation.style or None,
        "style_strength": options.get("style_strength", 1.0),
        "negative_prompt": options.get("negative_prompt", ""),
        "truncation": recorded.get("truncation", options.get("truncation", 1.0)),
        "n": 1,
        "candidates": 1,
    }
    noise = recorded.get("noise")
    if isinstance(noise, list) and noise:
        values["source_noise"] = noise
    else:  # a picture from before noises were recorded: its seed and kept candidate
        values["source_seed"] = image.seed
        values["source_candidate"] = int(recorded.get("candidate_index", 0))
    values.update(overrides)
    return GenerationSpec(**values)


def _strength(value: Any) -> float:
    if isinstance(value, str) and value in VARIATION_STRENGTHS:
        return VARIATION_STRENGTHS[value]
    try:
        strength = float(value)
    except (TypeError, ValueError):
        strength = -1.0
    if not 0.0 < strength <= 1.0:
        raise ServiceError(
            _("Strength is “subtle”, “strong” or a number above 0 and at most 1."), field="variation_strength"
        )
    return strength


def variation_create(
    *, owner: Owner, image: GenerationImage, strength: Any, n: int = 4, seed: int | None = None, client_ip: str | None
) -> Generation:
    """`n` variations of a picture the owner may see: its text conditioning, its noise turned
    towards fresh ones by `strength`."""
    spec = _spec_from(image, n=n, seed=seed, variation_strength=_strength(strength))
    return services.generation_create(
        owner=owner, spec=spec, client_ip=client_ip, extra={"variation_of": str(image.public_id)}
    )


def restyle_create(
    *,
    owner: Owner,
    image: GenerationImage,
    prompt: str | None = None,
    style: str | None = None,
    style_strength: float | None = None,
    n: int = 1,
    client_ip: str | None,
) -> Generation:
    """One's own picture with its exact noise under an edited prompt and/or another style."""
    # One picture keeps the exact noise; several are subtle variations of it (else all the same).
    overrides: dict[str, Any] = {"n": n, "variation_strength": 0.0 if n == 1 else VARIATION_STRENGTHS["subtle"]}
    if prompt is not None and prompt.strip():
        overrides["prompt"] = prompt
    if style is not None:
        overrides["style"] = style or None
    if style_strength is not None:
        overrides["style_strength"] = style_strength
    spec = _spec_from(image, **overrides)
    if spec.prompt.strip() == image.generation.prompt.strip() and (spec.style or "") == (image.generation.style or ""):
        if style_strength is None or style_strength == image.generation.options.get("style_strength", 1.0):
            raise ServiceError(_("Change the prompt or pick another style to restyle the picture."), field="prompt")
    return services.generation_create(
        owner=owner, spec=spec, client_ip=client_ip, extra={"restyle_of": str(image.public_id)}
    )


def interpolation_create(
    *,
    owner: Owner,
    image: GenerationImage,
    frames: int,
    interpolate_seed: int | None = None,
    interpolate_prompt: str = "",
    client_ip: str | None,
) -> Generation:
    """`frames` pictures from a picture the owner may see (its noise and prompt) to another seed
    and/or prompt."""
    spec = _spec_from(
        image, frames=frames, interpolate_seed=interpolate_seed, interpolate_prompt=interpolate_prompt, seed=image.seed
    )
    return services.generation_create(
        owner=owner, spec=spec, client_ip=client_ip, extra={"interpolation_of": str(image.public_id)}
    )


# --- uploads -------------------------------------------------------------------------------


def upload_store(*, owner: Owner, stream: BinaryIO | None, too_large: bool = False) -> Upload:
    """Validate an uploaded picture (the site's one reader, instantpainting.images) and keep it,
    re-encoded as an RGB PNG (transparency flattened onto white, EXIF rotation applied)."""
    if too_large:
        raise ServiceError(UPLOAD_MESSAGES["too_large"](), field="image")
    if stream is None:
        raise ServiceError(_("Choose a picture to upload."), field="image")
    try:
        picture = read_image_upload(
            stream,
            max_bytes=settings.MAX_UPLOAD_BYTES,
            max_pixels=settings.MAX_IMAGE_PIXELS,
            allow_animation=False,
        )
    except ImageRejected as exc:
        raise ServiceError(UPLOAD_MESSAGES[exc.reason](), field="image") from exc
    rgb = flatten_rgb(picture)
    check_upload(rgb, field="image")  # the automatic safety check every upload path runs
    out = io.BytesIO()
    rgb.save(out, format="PNG")
    name = default_storage.save(f"uploads/{secrets.token_hex(12)}.png", ContentFile(out.getvalue()))
    upload = Upload(**owner.fields(), file=name, width=rgb.width, height=rgb.height)
    upload.full_clean()
    upload.save()
    return upload


def upload_delete(*, upload: Upload) -> None:
    """Forget an upload: its row and, once the transaction commits, its file."""
    name = upload.file.name
    upload.delete()
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def upload_restyle_create(
    *,
    owner: Owner,
    upload: Upload,
    prompt: str,
    model: str | None = None,
    style: str | None = None,
    style_strength: float = 0.5,
    width: int = 512,
    height: int = 512,
    n: int = 1,
    client_ip: str | None,
) -> Generation:
    """Invert an uploaded picture into the model, then render it under `prompt` and `style`. The
    job's first picture is the reconstruction (what the model understood), then `n` restyles;
    `style_strength` is how far they move from the reconstruction towards the prompt and style."""
    spec = GenerationSpec(
        prompt=prompt,
        model=model,
        style=style or None,
        style_strength=style_strength,
        width=width,
        height=height,
        n=n,
        variation_strength=0.0 if n == 1 else VARIATION_STRENGTHS["subtle"],
    )
    return services.generation_create(
        owner=owner,
        spec=spec,
        client_ip=client_ip,
        extra={"restyle_of": UPLOAD_PREFIX + str(upload.public_id), "upload": str(upload.public_id)},
    )


# --- lineage -------------------------------------------------------------------------------


def lineage_of(*, settings_or_options: dict[str, Any], viewer: Owner | None) -> list[dict[str, Any]]:
    """The parents recorded on a job or picture, each as {kind, image (or None), url, upload (bool)}:
    the parent picture only when the viewer may see it (a private parent is named, not shown). `url`
    is the parent's public page (its post) if it has one, else its job's page for its owner, else
    the picture itself."""
    parents: list[dict[str, Any]] = []
    for kind in LINEAGE_KEYS:
        value = settings_or_options.get(kind)
        if not value:
            continue
        text = str(value)
        if text.startswith(UPLOAD_PREFIX):
            parents.append({"kind": kind, "image": None, "upload": True})  # private: named, never shown
            continue
        uid = _parse_id(text)
        found = GenerationImage.objects.select_related("generation").filter(public_id=uid).first() if uid else None
        visible = found is not None and selectors.image_visible_to(image=found, owner=viewer)
        if found is None or not visible:
            parents.append({"kind": kind, "image": None, "url": None, "upload": False})
            continue
        url = hooks.image_public_page(found)
        if url is None:
            owns = selectors.generation_owned_by(generation=found.generation, owner=viewer)
            url = found.generation.get_absolute_url() if owns else found.get_file_url()
        parents.append({"kind": kind, "image": found, "url": url, "upload": False})
    return parents

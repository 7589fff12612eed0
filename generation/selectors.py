"""Reads for generation jobs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Max, QuerySet

from generation import hooks
from generation.models import BlockedTerm, Generation, GenerationImage, GeneratorModel, Upload
from generation.owners import Owner


def model_for(name: str | None) -> GeneratorModel | None:
    """The enabled model called `name`, or the default model when no name is given."""
    enabled = GeneratorModel.objects.filter(enabled=True)
    if name:
        return enabled.filter(name=name).first()
    return enabled.filter(is_default=True).first() or enabled.first()


def models_enabled() -> QuerySet[GeneratorModel]:
    return GeneratorModel.objects.filter(enabled=True)


def prompt_blocked_term(text: str) -> str | None:
    """The first blocklisted term found in `text` (case-insensitive), if any."""
    lowered = text.casefold()
    for term in BlockedTerm.objects.values_list("term", flat=True):
        if term.strip() and term.casefold().strip() in lowered:
            return term
    return None


def generations_of(*, owner: Owner) -> QuerySet[Generation]:
    return Generation.objects.filter(owner.q()).select_related("model").prefetch_related("images")


def generation_of(*, owner: Owner | None, public_id: UUID | str) -> Generation | None:
    """The owner's job with this id; None for anyone else's (callers answer 404)."""
    if owner is None:
        return None
    return generations_of(owner=owner).filter(public_id=public_id).first()


def queue_position(generation: Generation) -> int | None:
    if generation.status != Generation.Status.QUEUED:
        return None
    if generation.position:
        return generation.position
    ahead = (
        Generation.objects.filter(status=Generation.Status.QUEUED).filter(priority__gt=generation.priority).count()
        + Generation.objects.filter(
            status=Generation.Status.QUEUED, priority=generation.priority, created_at__lt=generation.created_at
        ).count()
    )
    return ahead + 1


def generation_owned_by(*, generation: Generation, owner: Owner | None) -> bool:
    if owner is None:
        return False
    if generation.user_id is not None:
        return bool(generation.user_id == owner.user_id)
    return owner.is_guest and generation.guest_key == owner.guest_key


def image_visible_to(*, image: GenerationImage, owner: Owner | None) -> bool:
    """Owners see their images; everyone sees images another app declares public (generation.hooks)."""
    return generation_owned_by(generation=image.generation, owner=owner) or hooks.image_is_public(image)


# How many of a person's own prompts the create page offers, and the longest filter text.
PROMPT_HISTORY_LIMIT = 20
PROMPT_FILTER_MAX = 200


def prompts_of(*, owner: Owner | None, contains: str = "", limit: int = PROMPT_HISTORY_LIMIT) -> list[str]:
    """The owner's own prompts, each once, most recently used first; those containing `contains`
    (case-insensitive) when it is given. Nobody else's ever; no owner, no prompts."""
    if owner is None:
        return []
    rows = Generation.objects.filter(owner.q()).exclude(prompt="")
    if contains.strip():
        rows = rows.filter(prompt__icontains=contains.strip())
    recent = rows.values("prompt").annotate(last=Max("created_at")).order_by("-last")[:limit]
    return [row["prompt"] for row in recent]


def poem_card_name(*, image_public_id: UUID, size: tuple[int, int] | None = None) -> str:
    """Where a picture's poem card is kept (generation.creative.services.poem_card_ensure)."""
    suffix = f"-{size[0]}x{size[1]}" if size else ""
    return f"cards/{image_public_id.hex}{suffix}.png"


def image_stored_names(image: GenerationImage) -> list[str]:
    """The storage names of one picture's files: the picture, its thumbnail, its poem card."""
    return [image.file.name or "", image.thumbnail.name or "", poem_card_name(image_public_id=image.public_id)]


def stored_names_of(*, user: Any) -> list[str]:
    """Every storage name of the files this app keeps for `user`: their pictures and thumbnails,
    interpolation strips and animations, poem cards, and the uploads they restyled."""
    names: list[str] = []
    for image in GenerationImage.objects.filter(generation__user=user).only("public_id", "file", "thumbnail"):
        names += image_stored_names(image)
    for strip, animation in Generation.objects.filter(user=user).values_list("strip", "animation"):
        names += [strip, animation]
    names += Upload.objects.filter(user=user).values_list("file", flat=True)
    return [name for name in names if name]

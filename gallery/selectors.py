"""Reads for the gallery."""

from __future__ import annotations

from generation.models import GenerationImage


def image_is_published(*, image: GenerationImage) -> bool:
    """True when the image is on a visible gallery post. Until posts exist nothing is published."""
    return False

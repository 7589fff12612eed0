"""Display names for style keys, model categories and recorded settings, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CATEGORY_LABELS = {
    "landscape": _("Landscape"),
    "food": _("Food"),
    "anime": _("Anime"),
    "general": _("General"),
}


def style_label(key: str) -> str:
    from generation.engine import STYLES

    style = STYLES.get(key)
    return gettext(style.label) if style else key


def category_label(key: str) -> str:
    return str(CATEGORY_LABELS.get(key, key))


# Settings a person chose or would want to know, in the order shown; every other recorded key is
# technical and goes behind a toggle. Keys not listed in either show under their own name.
HUMAN_SETTINGS = {
    "negative_prompt": _("Negative prompt"),
    "style_strength": _("Style strength"),
    "candidates": _("Candidates per picture"),
    "clip_score": _("Match to the prompt"),
    "truncated": _("Prompt shortened to fit"),
    "variation_strength": _("Variation strength"),
    "frames": _("Frames"),
    "interpolate_seed": _("To the seed"),
    "interpolate_prompt": _("To the prompt"),
    "n": _("Pictures"),
}
TECHNICAL_SETTINGS = {
    "base_seed": _("First seed of the batch"),
    "index": _("Picture number in the batch"),
    "candidate_index": _("Chosen candidate"),
    "truncation": _("Truncation"),
    "negative_truncated": _("Negative prompt shortened to fit"),
    "native_size": _("Model's native size"),
    "grid": _("Tiles (columns × rows)"),
    "method": _("Method"),
    "device": _("Device"),
    "precision": _("Precision"),
    "engine": _("Engine"),
    "engine_version": _("Engine version"),
    "model_trained": _("Model trained"),
    "source_seed": _("Source seed"),
    "source_candidate": _("Source candidate"),
    "reconstruction_error": _("Reconstruction error"),
    "inversion_seconds": _("Inversion time (s)"),
    "upload": _("Uploaded picture"),
}
# Never shown: recorded noises (hundreds of numbers) and what the page shows elsewhere.
HIDDEN_SETTINGS = {"noise", "source_noise", "poem", "remix_of", "interpolation", "reconstruction"}


def setting_value(key: str, value: Any) -> str:
    """A recorded value in words: yes/no, 3 decimals, sizes as 512×512, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if key != "clip_score" else f"{value:.3f}"
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0]}×{value[1]}"
    if isinstance(value, dict | list | tuple):
        return (
            ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else ", ".join(map(str, value))
        )
    return str(value)


def setting_rows(
    settings: dict[str, Any], *, skip: set[str] | None = None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(human rows, technical rows) of (label, value) for a job's options or a picture's settings."""
    skip = (skip or set()) | HIDDEN_SETTINGS
    human = [
        (str(label), setting_value(key, settings[key]))
        for key, label in HUMAN_SETTINGS.items()
        if key in settings and key not in skip and settings[key] not in (None, "", False, 0)
    ]
    technical = [
        (str(TECHNICAL_SETTINGS.get(key, key)), setting_value(key, value))
        for key, value in sorted(settings.items())
        if key not in HUMAN_SETTINGS and key not in skip
    ]
    return human, technical

"""Display names for style keys and model categories, in the reader's language."""

from __future__ import annotations

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

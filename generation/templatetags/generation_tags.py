from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from generation import hooks, labels, studio
from generation.engine import STYLES
from generation.models import GenerationImage

register = template.Library()


@register.filter
def style_label(key: str) -> str:
    return labels.style_label(key) if key else ""


@register.filter
def category_label(key: str) -> str:
    return labels.category_label(key) if key else ""


@register.simple_tag(takes_context=True)
def image_actions(context: template.Context, image: GenerationImage) -> SafeString:
    """The links other apps offer beside one of the owner's images (generation.hooks)."""
    values: dict[str, Any] = {str(key): value for key, value in context.flatten().items()}
    values["image"] = image
    request = context.get("request")
    rendered = [render_to_string(action.template, values, request=request) for action in hooks.image_actions()]
    return format_html_join("", "{}", ((SafeString(html),) for html in rendered))


@register.inclusion_tag("generation/_studio_actions.html", takes_context=True)
def studio_actions(context: template.Context, image: GenerationImage, own: bool = False) -> dict[str, Any]:
    """Beside a picture: variations (subtle, strong), the same seed or a new one, an interpolation;
    and, on one's own picture, a restyle (generation.studio_views)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    generation = image.generation
    base = {"prompt": generation.prompt, "model": generation.model.name, "width": image.width, "height": image.height}
    if generation.style:
        base["style"] = generation.style
    create = reverse("generation:create")
    return {
        "image": image,
        "own": own,
        "csrf_token": context.get("csrf_token"),
        "styles": [(key, labels.style_label(key)) for key in STYLES],
        # A picture drawn from its own seed can be made again from it; a variation, restyle or
        # frame was drawn from a moved noise, which its Variations button starts from instead.
        "same_seed_url": create + "?" + urlencode({**base, "seed": image.seed}) if _own_seed(image) else "",
        "new_seed_url": create + "?" + urlencode(base),
        "next": context["request"].get_full_path() if context.get("request") else "",
    }


def _own_seed(image: GenerationImage) -> bool:
    recorded = image.settings or {}
    return not any(key in recorded for key in ("source", "source_seed", "interpolation", "reconstruction"))


@register.inclusion_tag("generation/_lineage.html", takes_context=True)
def lineage(context: template.Context, recorded: dict[str, Any]) -> dict[str, Any]:
    """The parents recorded on a job or picture (variation_of, restyle_of, interpolation_of)."""
    from generation.owners import owner_of_request

    request = context.get("request")
    viewer = owner_of_request(request, create=False) if request is not None else None
    return {"parents": studio.lineage_of(settings_or_options=recorded or {}, viewer=viewer)}


@register.inclusion_tag("generation/_downloads.html")
def picture_downloads(image: GenerationImage) -> dict[str, Any]:
    """PNG, WebP and JPEG downloads of a picture (converted by the permission-checked file view)."""
    return {"image": image}


@register.inclusion_tag("generation/_copy_prompt.html")
def copy_prompt(text: str) -> dict[str, Any]:
    return {"text": text}


@register.simple_tag
def settings_rows(settings: dict[str, Any], *shown_apart: str) -> dict[str, Any]:
    """A job's or picture's recorded settings under human, translated labels: `human` rows for the
    page's own table, `technical` ones (seeds of the batch, the engine's method, device, …) for the
    toggle in generation/_settings_technical.html (generation.labels)."""
    human, technical = labels.setting_rows(settings, skip=set(shown_apart))
    return {"human": human, "technical": technical}

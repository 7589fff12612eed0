from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from generation import hooks, labels
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

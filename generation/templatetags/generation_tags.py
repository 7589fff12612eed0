from __future__ import annotations

from django import template

from generation import labels

register = template.Library()


@register.filter
def style_label(key: str) -> str:
    return labels.style_label(key) if key else ""


@register.filter
def category_label(key: str) -> str:
    return labels.category_label(key) if key else ""

"""Tags: `#words` in a post's title plus a tag field; tag pages and tag search.

A tag is letters (any script: `#山水` works), digits and `_`, at most 32 characters, stored
case-folded so `#Sunset` and `#sunset` are one tag; a post carries at most 10.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from gallery.models import TAG_MAX_LENGTH, TAGS_PER_POST, Post, Tag
from instantpainting.errors import ServiceError

# `#` then word characters (Unicode letters and digits, `_`); the tag ends at anything else.
HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
TAG_WORD = re.compile(r"^\w+$")


def tags_in_title(title: str) -> list[str]:
    return [m.group(1) for m in HASHTAG.finditer(title or "")]


def clean_tags(*, title: str, tags: Any) -> list[str]:
    """The post's tags: those written as #words in the title, then those in the tag field
    (a list, or text separated by spaces or commas, `#` optional); each once, case-folded."""
    if tags is None or tags == "":
        given: list[Any] = []
    elif isinstance(tags, str):
        given = [t for t in re.split(r"[\s,，]+", tags) if t]
    elif isinstance(tags, list | tuple):
        given = list(tags)
    else:
        raise ServiceError(_("Tags are words separated by spaces or commas."), field="tags")
    names: list[str] = []
    for raw in [*tags_in_title(title), *given]:
        if not isinstance(raw, str):
            raise ServiceError(_("Tags are words separated by spaces or commas."), field="tags")
        name = raw.strip().lstrip("#").casefold()
        if not name:
            continue
        if not TAG_WORD.match(name):
            raise ServiceError(
                _("A tag is one word of letters, digits or _ (“%(tag)s” is not).") % {"tag": raw[:40]}, field="tags"
            )
        if len(name) > TAG_MAX_LENGTH:
            raise ServiceError(_("Keep each tag to %(n)d characters.") % {"n": TAG_MAX_LENGTH}, field="tags")
        if name not in names:
            names.append(name)
    if len(names) > TAGS_PER_POST:
        raise ServiceError(_("At most %(n)d tags per picture.") % {"n": TAGS_PER_POST}, field="tags")
    return names


def post_set_tags(*, post: Post, names: list[str]) -> None:
    """Attach these (already cleaned) tags, making the ones that are new."""
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    post.tags.set([existing[name] for name in names])


def tag_get(*, name: str) -> Tag | None:
    return Tag.objects.filter(name=(name or "").casefold()).first()


def tags_search(*, q: str = "") -> QuerySet[Tag]:
    """Tags with visible posts, most used first; `q` matches any part of a tag."""
    visible = Q(posts__is_hidden=False, posts__author__is_active=True)
    rows = Tag.objects.annotate(post_count=Count("posts", filter=visible)).filter(post_count__gt=0)
    term = (q or "").strip().lstrip("#").casefold()
    if term:
        rows = rows.filter(name__contains=term)
    return rows.order_by("-post_count", "name")

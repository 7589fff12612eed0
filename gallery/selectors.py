"""Reads for the gallery: feeds, posts, profiles' numbers, and whether an image is public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from gallery.models import Like, Post
from generation.models import GenerationImage

ORDERINGS = ("latest", "popular")
# Settings the post page shows in their own rows (or as the remix link), left out of "All settings".
SHOWN_APART = {"prompt", "model", "width", "height", "seed", "style", "clip_score", "remix_of", "noise", "source_noise"}
# "Popular" counts likes received in this many recent days.
POPULAR_WINDOW_DAYS_DEFAULT = 7


@dataclass(frozen=True)
class ProfileStats:
    post_count: int
    likes_received: int


def profile_stats(*, user: Any) -> ProfileStats:
    """What a person's public profile counts: their visible posts and the likes those received."""
    posts = Post.objects.visible().filter(author=user)
    return ProfileStats(post_count=posts.count(), likes_received=posts.aggregate(total=Sum("like_count"))["total"] or 0)


def image_is_published(*, image: GenerationImage) -> bool:
    """True when the image is on a visible post (not hidden, author not banned): then it is public."""
    return Post.objects.visible().filter(image_id=image.pk).exists()


def image_post_path(*, image: GenerationImage) -> str | None:
    """The path of the visible post the image is published on, if any."""
    post = Post.objects.visible().filter(image_id=image.pk).only("pk").first()
    return post.get_absolute_url() if post is not None else None


def posts_feed(
    *,
    ordering: str = "latest",
    category: str = "",
    style: str = "",
    q: str = "",
    featured: bool = False,
    tag: str = "",
    author: Any = None,
    viewer: Any = None,
) -> QuerySet[Post]:
    """Visible posts, filtered and ordered; each row carries `liked` for the viewer."""
    posts = (
        Post.objects.visible().select_related("image__generation__model", "author__profile").prefetch_related("tags")
    )
    if tag:
        posts = posts.filter(tags__name=tag.strip().lstrip("#").casefold())
    if category:
        posts = posts.filter(image__generation__model__category=category)
    if style:
        posts = posts.filter(image__generation__style=style)
    if q:
        for word in q.split()[:8]:
            if word.startswith("#") and len(word) > 1:  # "#sunset" searches the tag
                posts = posts.filter(tags__name=word[1:].casefold())
            else:
                posts = posts.filter(Q(image__generation__prompt__icontains=word) | Q(title__icontains=word))
    if featured:
        posts = posts.filter(is_featured=True)
    if author is not None:
        posts = posts.filter(author=author)
    posts = posts.annotate(liked=_liked_by(viewer))
    if ordering == "popular":
        days = getattr(settings, "GALLERY_POPULAR_DAYS", POPULAR_WINDOW_DAYS_DEFAULT)
        since = timezone.now() - timedelta(days=days)
        # A correlated count per post reads the like index (post, created_at) for the window only;
        # a JOIN + GROUP BY over every like (the first version) took seconds at 50 000 likes.
        recent = (
            Like.objects.filter(post=OuterRef("pk"), created_at__gte=since)
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        posts = (
            posts.annotate(recent_likes=Coalesce(Subquery(recent), 0))
            .order_by("-recent_likes", "-like_count", "-created_at", "-id")
            .late_rows()
        )
    else:
        posts = posts.order_by("-created_at", "-id")
    return posts


def _liked_by(viewer: Any) -> Any:
    if viewer is None or not viewer.is_authenticated:
        return Value(False)
    return Exists(Like.objects.filter(post=OuterRef("pk"), user=viewer))


def post_get(*, pk: Any = None, share_code: str | None = None) -> Post | None:
    """A post by id or share code, hidden or not (callers decide between 200 and 410)."""
    posts = Post.objects.select_related("image__generation__model", "author__profile", "remix_of")
    try:
        if share_code is not None:
            return posts.filter(share_code=share_code).first()
        return posts.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def post_is_visible(*, post: Post) -> bool:
    return not post.is_hidden and post.author.is_active


def post_liked_by(*, post: Post, user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Like.objects.filter(post=post, user=user).exists()


def post_remixes(*, post: Post, limit: int = 12) -> QuerySet[Post]:
    return Post.objects.visible().filter(remix_of=post).select_related("image__generation", "author")[:limit]


def post_settings(*, post: Post) -> list[tuple[str, Any]]:
    """Every setting that made the picture, for display: the job's options then the image's own."""
    generation = post.image.generation
    merged: dict[str, Any] = {}
    for key, value in {**generation.options, **post.image.settings}.items():
        if key in SHOWN_APART:
            continue
        merged[key] = value
    return sorted(merged.items())


def post_remix_params(*, post: Post) -> dict[str, Any]:
    """Query parameters for the create page that reproduce this picture ("use these settings")."""
    generation = post.image.generation
    params: dict[str, Any] = {
        "prompt": generation.prompt,
        "model": generation.model.name,
        "width": generation.width,
        "height": generation.height,
        "n": 1,
        "seed": post.image.seed,
        "remix_of": post.pk,
    }
    if generation.style:
        params["style"] = generation.style
    negative = generation.options.get("negative_prompt")
    if negative:
        params["negative_prompt"] = negative
    return params


def feed_facets() -> dict[str, list[str]]:
    """Categories and styles that have visible posts (for filter chips)."""
    visible = Post.objects.visible()
    categories = (
        visible.values_list("image__generation__model__category", flat=True)
        .distinct()
        .order_by("image__generation__model__category")
    )
    styles = (
        visible.exclude(image__generation__style="")
        .values_list("image__generation__style", flat=True)
        .distinct()
        .order_by("image__generation__style")
    )
    return {"categories": list(categories), "styles": list(styles)}


def images_publishable_by(*, user: Any, limit: int = 48) -> QuerySet[GenerationImage]:
    """The user's generated images that are not published yet (newest first)."""
    return (
        GenerationImage.objects.filter(generation__user=user, post__isnull=True)
        .select_related("generation")
        .order_by("-created_at", "index")[:limit]
    )


def image_of_user(*, user: Any, public_id: Any) -> GenerationImage | None:
    """The user's own image with this public id; None for anyone else's or a bad id."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return (
            GenerationImage.objects.select_related("generation__model")
            .filter(public_id=public_id, generation__user=user)
            .first()
        )
    except ValidationError:  # a malformed UUID
        return None

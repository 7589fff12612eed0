"""Follows: people follow people; a feed of the followed people's posts; counts and lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import NotificationKind
from gallery.models import Follow, Post
from gallery.notifications import notify
from gallery.selectors import posts_feed
from instantpainting.errors import NotAllowed, ServiceError


@dataclass(frozen=True)
class FollowCounts:
    followers: int
    following: int


def follow_set(*, follower: Any, followed: Any, on: bool) -> bool:
    """Follow (on=True) or unfollow someone; returns whether `follower` now follows `followed`."""
    if follower is None or not follower.is_authenticated or not follower.is_active:
        raise NotAllowed(_("Log in to follow people."))
    if followed.pk == follower.pk:
        raise ServiceError(_("You cannot follow yourself."))
    if not on:
        Follow.objects.filter(follower=follower, followed=followed).delete()
        return False
    try:
        with transaction.atomic():
            Follow.objects.create(follower=follower, followed=followed)
    except IntegrityError:  # already following (a double click)
        return True
    notify(recipient=followed, kind=NotificationKind.FOLLOW, actor=follower)
    return True


def follows(*, follower: Any, followed: Any) -> bool:
    if follower is None or not follower.is_authenticated:
        return False
    return Follow.objects.filter(follower=follower, followed=followed).exists()


def follow_counts(*, user: Any) -> FollowCounts:
    """Followers and followed people who are not banned."""
    return FollowCounts(
        followers=Follow.objects.filter(followed=user, follower__is_active=True).count(),
        following=Follow.objects.filter(follower=user, followed__is_active=True).count(),
    )


def followers_of(*, user: Any) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(following_set__followed=user, is_active=True)
        .select_related("profile")
        .order_by("-following_set__created_at", "-id")
    )


def following_of(*, user: Any) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(follower_set__follower=user, is_active=True)
        .select_related("profile")
        .order_by("-follower_set__created_at", "-id")
    )


def following_feed(*, viewer: Any) -> QuerySet[Post]:
    """Visible posts of the people `viewer` follows, newest first."""
    followed = Follow.objects.filter(follower=viewer).values("followed_id")
    return posts_feed(viewer=viewer).filter(author_id__in=followed)

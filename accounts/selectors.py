"""Reads for people: profiles, their numbers, and who may moderate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from accounts.models import Profile

MODERATORS_GROUP = "moderators"


@dataclass(frozen=True)
class ProfileStats:
    post_count: int
    likes_received: int


def user_by_username(*, username: str) -> Any | None:
    """An active user by username; banned (inactive) users have no public profile."""
    return get_user_model().objects.filter(username=username, is_active=True).select_related("profile").first()


def profile_of(*, user: Any) -> Profile:
    """The user's profile, or an unsaved empty one for a user who never edited theirs."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)


def profile_stats(*, user: Any) -> ProfileStats:
    from gallery.models import Post

    posts = Post.objects.visible().filter(author=user)
    return ProfileStats(post_count=posts.count(), likes_received=posts.aggregate(total=Sum("like_count"))["total"] or 0)


def token_of(*, user: Any) -> Token | None:
    return Token.objects.filter(user=user).first()


def user_is_moderator(*, user: Any) -> bool:
    """Superusers, users with the gallery.moderate_post permission, and members of "moderators"."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.has_perm("gallery.moderate_post"):
        return True
    return user.groups.filter(name=MODERATORS_GROUP).exists()


def user_can_ban(*, user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm("gallery.ban_user") or user.groups.filter(name=MODERATORS_GROUP).exists()

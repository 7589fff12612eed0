"""Reads for people: profiles, tokens, and who may moderate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from accounts.models import Profile

MODERATORS_GROUP = "moderators"


def user_by_username(*, username: str) -> Any | None:
    """An active user by username; banned (inactive) users have no public profile."""
    return get_user_model().objects.filter(username=username, is_active=True).select_related("profile").first()


def profile_of(*, user: Any) -> Profile:
    """The user's profile, or an unsaved empty one for a user who never edited theirs."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)


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


def user_has_password(*, user: Any) -> bool:
    """False for a person who signed up through a social login and never set a password: they
    confirm deleting their account with their username (accounts.services.account_delete)."""
    return bool(user.has_usable_password())

"""Writes for people: profiles, avatars, API tokens, bans, deleting an account."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.avatars import AvatarRejected, avatar_webp
from accounts.models import AVATAR_SIZE, BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, NotificationKind, Profile
from accounts.selectors import user_has_password
from instantpainting.errors import NotAllowed, ServiceError
from instantpainting.safety import check_upload
from instantpainting.uploads import UPLOAD_MESSAGES

User = get_user_model()


AVATAR_MESSAGES = UPLOAD_MESSAGES


def profile_ensure(*, user: Any) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, user: Any, display_name: str, bio: str) -> Profile:
    display_name = " ".join((display_name or "").split())
    bio = (bio or "").strip()
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ServiceError(
            _("Keep the display name to %(n)d characters.") % {"n": DISPLAY_NAME_MAX_LENGTH}, field="display_name"
        )
    if len(bio) > BIO_MAX_LENGTH:
        raise ServiceError(_("Keep the bio to %(n)d characters.") % {"n": BIO_MAX_LENGTH}, field="bio")
    profile = profile_ensure(user=user)
    profile.display_name = display_name
    profile.bio = bio
    profile.full_clean()
    profile.save()
    return profile


def profile_set_notifications(*, user: Any, wanted: Any) -> Profile:
    """Keep the notification kinds in `wanted` on and turn every other kind off."""
    if not isinstance(wanted, list | tuple | set) or not all(isinstance(kind, str) for kind in wanted):
        raise ServiceError(_("Choose notification kinds from the list."), field="notifications")
    unknown = set(wanted) - set(NotificationKind.values)
    if unknown:
        raise ServiceError(_("Choose notification kinds from the list."), field="notifications")
    profile = profile_ensure(user=user)
    profile.notifications_off = [kind for kind in NotificationKind.values if kind not in wanted]
    profile.save(update_fields=["notifications_off", "updated_at"])
    return profile


def profile_set_avatar(*, user: Any, upload: Any) -> Profile:
    """Validate and re-encode an uploaded file as the user's avatar (WebP, 256×256)."""
    if upload is None:
        raise ServiceError(_("Choose an image file."), field="avatar")
    if getattr(upload, "size", 0) and upload.size > settings.MAX_UPLOAD_BYTES:
        raise ServiceError(AVATAR_MESSAGES["too_large"](), field="avatar")
    try:
        upload.seek(0)
        webp = avatar_webp(
            upload, max_bytes=settings.MAX_UPLOAD_BYTES, max_pixels=settings.MAX_IMAGE_PIXELS, size=AVATAR_SIZE
        )
    except AvatarRejected as exc:
        raise ServiceError(AVATAR_MESSAGES[exc.reason](), field="avatar") from exc
    check_upload(webp, field="avatar")  # the re-encoded square is what would be shown
    profile = profile_ensure(user=user)
    old = profile.avatar.name if profile.avatar else ""
    name = default_storage.save(f"avatars/{user.pk}-{secrets.token_hex(6)}.webp", ContentFile(webp))
    profile.avatar.name = name
    profile.save()
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))
    return profile


def profile_remove_avatar(*, user: Any) -> Profile:
    profile = profile_ensure(user=user)
    if profile.avatar:
        old = profile.avatar.name or ""
        profile.avatar = ""
        profile.save()
        transaction.on_commit(lambda: default_storage.delete(old))
    return profile


def token_regenerate(*, user: Any) -> Token:
    """Replace the user's API token; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def account_delete(*, user: Any, password: Any) -> None:
    """The person deletes their own account and everything of theirs.

    `password` is their password; a person who signed up through a social login has no usable
    one and types their username instead. The rows go by CASCADE in one transaction; the files
    leave the storage after it commits (the pre_delete receivers of accounts, generation and
    gallery, which the admin's delete passes through too).
    """
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("Log in first."))
    if not isinstance(password, str) or not password:
        raise ServiceError(_("Enter your password to confirm."), field="password")
    if user_has_password(user=user):
        if not user.check_password(password):
            raise ServiceError(_("The password is not correct."), field="password")
    elif password != user.get_username():
        raise ServiceError(_("Type your username exactly to confirm."), field="password")
    with transaction.atomic():
        User.objects.get(pk=user.pk).delete()


def user_ban(*, user: Any, by: Any) -> None:
    """Deactivate `user`: they are logged out everywhere and their posts leave the gallery."""
    _check_can_ban(user=user, by=by)
    User.objects.filter(pk=user.pk).update(is_active=False)
    Token.objects.filter(user=user).delete()
    user.is_active = False


def user_unban(*, user: Any, by: Any) -> None:
    _check_can_ban(user=user, by=by)
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True


def _check_can_ban(*, user: Any, by: Any) -> None:
    from accounts.selectors import user_can_ban

    if user.pk == by.pk:
        raise ServiceError(_("You cannot ban yourself."))
    if not user_can_ban(user=by):
        raise ServiceError(_("You are not allowed to ban users."))
    if (user.is_superuser or user.is_staff) and not by.is_superuser:
        raise ServiceError(_("Only a superuser can ban staff accounts."))

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

DISPLAY_NAME_MAX_LENGTH = 50
BIO_MAX_LENGTH = 500
AVATAR_SIZE = 256


class NotificationKind(models.TextChoices):
    """What a person can be told about; each can be turned off in settings (Profile.notifications_off)."""

    LIKE = "like", _("Likes on my pictures")
    COMMENT = "comment", _("Comments on my pictures")
    REPLY = "reply", _("Replies to my comments")
    REMIX = "remix", _("Remixes of my pictures")
    FOLLOW = "follow", _("New followers")


class Profile(models.Model):
    """What other people see of a user: a display name, a bio and an avatar (WebP 256×256)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=DISPLAY_NAME_MAX_LENGTH, blank=True)
    bio = models.CharField(_("bio"), max_length=BIO_MAX_LENGTH, blank=True)
    avatar = models.FileField(_("avatar"), upload_to="avatars/", max_length=300, blank=True)
    notifications_off = models.JSONField(_("notifications turned off"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("display_name"), DISPLAY_NAME_MAX_LENGTH),
                name="profile_display_name_length",
            ),
            models.CheckConstraint(condition=LessThanOrEqual(Length("bio"), BIO_MAX_LENGTH), name="profile_bio_length"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    def wants_notification(self, kind: str) -> bool:
        return kind not in (self.notifications_off or [])

    def get_avatar_url(self) -> str:
        """The public avatar URL (versioned so browsers refetch after a change), or '' for none."""
        if not self.avatar:
            return ""
        version = int(self.updated_at.timestamp()) if self.updated_at else 0
        return reverse("accounts:avatar", args=[self.user.get_username()]) + f"?v={version}"

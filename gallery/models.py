from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from generation.models import Generation, GenerationImage

TITLE_MAX_LENGTH = 120
REPORT_DETAILS_MAX_LENGTH = 500
SHARE_CODE_LENGTH = 8


class PostQuerySet(models.QuerySet["Post"]):
    def visible(self) -> PostQuerySet:
        """Posts anyone may see: not hidden by a moderator, and the author is not banned."""
        return self.filter(is_hidden=False, author__is_active=True)


class Post(models.Model):
    """One generated image published to the gallery, with a stable short share code."""

    image = models.OneToOneField(
        GenerationImage, on_delete=models.CASCADE, related_name="post", verbose_name=_("image")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts", verbose_name=_("author")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    share_code = models.CharField(_("share code"), max_length=16, unique=True, editable=False)
    remix_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="remixes", verbose_name=_("remix of")
    )
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    is_hidden = models.BooleanField(_("hidden"), default=False, db_index=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    is_featured = models.BooleanField(_("featured"), default=False, db_index=True)
    created_at = models.DateTimeField(_("published at"), auto_now_add=True, db_index=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        permissions = [
            ("moderate_post", _("Can hide, unhide and feature posts")),
            ("ban_user", _("Can ban and unban users")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("title"), TITLE_MAX_LENGTH), name="post_title_length"
            ),
            models.CheckConstraint(condition=~Q(share_code=""), name="post_share_code_set"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.display_title}"

    @property
    def generation(self) -> Generation:
        return self.image.generation

    @property
    def display_title(self) -> str:
        return self.title or Truncator(self.image.generation.prompt).chars(80)

    def get_absolute_url(self) -> str:
        return reverse("gallery:post", args=[self.pk])

    def get_share_path(self) -> str:
        return reverse("gallery:share", args=[self.share_code])

    @property
    def preview_storage_name(self) -> str:
        return f"gallery/previews/{self.share_code}.png"


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="like_once_per_user")]
        indexes = [models.Index(fields=["post", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.post_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    SEXUAL = "sexual", _("Sexual or explicit content")
    VIOLENT = "violent", _("Violent or shocking content")
    HATEFUL = "hateful", _("Hateful or harassing content")
    ILLEGAL = "illegal", _("Illegal content")
    COPYRIGHT = "copyright", _("Copyright or impersonation")
    OTHER = "other", _("Something else")


class Report(models.Model):
    Reason = ReportReason

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved: action taken")
        DISMISSED = "dismissed", _("Dismissed")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports", verbose_name=_("post"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made", verbose_name=_("reporter")
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    details = models.CharField(_("details"), max_length=REPORT_DETAILS_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_handled",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"], condition=Q(status="open"), name="report_one_open_per_reporter"
            ),
            models.CheckConstraint(condition=Q(reason__in=ReportReason.values), name="report_reason_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — #{self.post_id}"

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind
from generation.models import Generation, GenerationImage

TITLE_MAX_LENGTH = 120
COMMENT_MAX_LENGTH = 1000
COLLECTION_NAME_MAX_LENGTH = 80
TAG_MAX_LENGTH = 32
TAGS_PER_POST = 10
REPORT_DETAILS_MAX_LENGTH = 500
SHARE_CODE_LENGTH = 8


class PostQuerySet(models.QuerySet["Post"]):
    """Posts; `late_rows()` makes a sliced (paginated) fetch sort narrow rows first.

    SQLite sorts whole result rows: ordering 10 000 posts joined to their image, generation, model
    and author's profile by a computed value (the popular feed) cost ~40 ms. With late rows a
    slice first selects only the ids in order (the same filters and ordering), then fetches those
    few posts with everything they need, and keeps the order: the "deferred join" of pagination.
    """

    _late_rows = False

    def visible(self) -> PostQuerySet:
        """Posts anyone may see: not hidden by a moderator, and the author is not banned."""
        return self.filter(is_hidden=False, author__is_active=True)

    def late_rows(self) -> PostQuerySet:
        clone = self._clone()
        clone._late_rows = True
        return clone

    def _clone(self) -> PostQuerySet:
        clone = super()._clone()  # type: ignore[misc]  # django-stubs does not declare _clone
        clone._late_rows = self._late_rows
        return clone  # type: ignore[no-any-return,unused-ignore]

    def _fetch_all(self) -> None:
        sliced = self.query.low_mark or self.query.high_mark is not None
        if not (self._late_rows and sliced and self._result_cache is None and self._iterable_class is ModelIterable):
            super()._fetch_all()
            return
        narrow = self._clone()
        narrow._late_rows = False
        ids = list(narrow.values_list("pk", flat=True))
        full = self._clone()
        full._late_rows = False
        full.query.clear_limits()
        full.query.clear_ordering(force=True)
        rows = {post.pk: post for post in full.filter(pk__in=ids)}  # prefetches as its own fetch does
        self._result_cache = [rows[pk] for pk in ids if pk in rows]  # type: ignore[misc]


class Tag(models.Model):
    """A topic people mark posts with (`#sunset`, `#山水`): stored case-folded, letters, digits and _."""

    name = models.CharField(_("name"), max_length=TAG_MAX_LENGTH, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="tag_name_set")]

    def __str__(self) -> str:
        return f"#{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("gallery:tag", args=[self.name])


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
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    is_hidden = models.BooleanField(_("hidden"), default=False, db_index=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    is_featured = models.BooleanField(_("featured"), default=False, db_index=True)
    # The post shows its job's animation (an interpolation's frames, animated WebP) over the still.
    animated = models.BooleanField(_("animated"), default=False)
    # The safety classifier's score at publish (instantpainting/safety.py); None when it was off.
    safety_score = models.FloatField(_("explicit-content score"), null=True, blank=True)
    awaiting_review = models.BooleanField(_("awaiting review"), default=False, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts", verbose_name=_("tags"))
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
    # Set when the report is about one comment on the post rather than the post itself.
    comment = models.ForeignKey(
        "Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    # None for the automatic safety check's report of a picture it held back at publish, and for a
    # report whose reporter deleted their account since (then `reporter_deleted` is set): the
    # moderators keep the report, without the person (gallery.signals).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_made",
        verbose_name=_("reporter"),
    )
    reporter_deleted = models.BooleanField(_("reporter's account deleted"), default=False, editable=False)
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
                fields=["post", "reporter"],
                condition=Q(status="open", comment__isnull=True),
                name="report_one_open_per_reporter",
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter"],
                condition=Q(status="open", comment__isnull=False),
                name="report_one_open_per_comment_reporter",
            ),
            models.CheckConstraint(condition=Q(reason__in=ReportReason.values), name="report_reason_valid"),
        ]

    def __str__(self) -> str:
        about = f"#{self.post_id}" + (f" / comment {self.comment_id}" if self.comment_id else "")
        return f"{self.get_reason_display()} — {about}"


class Comment(models.Model):
    """A comment on a post, or a reply to one (replies go one level deep: a reply's parent is top-level).

    A removed comment that other people replied to stays in its thread as a tombstone, so that the
    replies keep their place: `deleted_at` set, no author and no text (gallery.comments). A
    tombstone goes when its last reply goes.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post"))
    # None only on a tombstone. SET_NULL is the fallback: a deleted person's comments are removed
    # or made tombstones before the user row goes (gallery.signals), and the constraints below
    # refuse a comment with text but no author.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        verbose_name=_("author"),
    )
    # RESTRICT: a comment with replies is never deleted on its own (it becomes a tombstone); a post
    # still takes its whole threads with it.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="replies", verbose_name=_("reply to")
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), COMMENT_MAX_LENGTH), name="comment_body_length"
            ),
            # A comment has an author and text; a tombstone has neither.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True, author__isnull=False) & ~Q(body="")
                | Q(deleted_at__isnull=False, author__isnull=True, body=""),
                name="comment_body_set_or_tombstone",
            ),
        ]
        indexes = [models.Index(fields=["post", "created_at"])]

    def __str__(self) -> str:
        return str(_("Comment deleted")) if self.is_tombstone else Truncator(self.body).chars(60)

    @property
    def is_tombstone(self) -> bool:
        return self.deleted_at is not None

    def get_absolute_url(self) -> str:
        return reverse("gallery:post", args=[self.post_id]) + f"#comment-{self.pk}"


class Notification(models.Model):
    """Something that happened to a person's work or account. Unread ones of the same kind about the
    same post (or, for follows, about nobody's post) are one row: "12 people liked …"."""

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # When the latest actor deletes their account another counted person takes their place, or the
    # notification goes when nobody is left (gallery.signals); SET_NULL is only the fallback.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("latest actor"),
    )
    actor_count = models.PositiveIntegerField(_("people"), default=1)
    is_read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
        ]
        indexes = [models.Index(fields=["recipient", "is_read", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationActor(models.Model):
    """Who is counted in a batched notification (each person once)."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="actors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "user"], name="notification_actor_once")]


class Follow(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_set")
    followed = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=models.F("followed")), name="follow_not_self"),
        ]


class Collection(models.Model):
    """A person's named set of saved posts; a public one has a page and a share link."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=COLLECTION_NAME_MAX_LENGTH)
    is_public = models.BooleanField(_("public"), default=False)
    share_code = models.CharField(_("share code"), max_length=16, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="collection_name_once_per_owner"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("name"), COLLECTION_NAME_MAX_LENGTH), name="collection_name_length"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="collection_name_set"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("gallery:collection", args=[self.share_code])


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="saved_in")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["collection", "post"], name="collection_item_once")]

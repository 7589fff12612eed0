"""Admin for the gallery: posts (hide, feature, ban the author), the report queue, likes.

Moderation actions need moderator rights (accounts.selectors.user_is_moderator: superusers, the
gallery.moderate_post permission, or the "moderators" group); bans need gallery.ban_user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services as account_services
from accounts.selectors import user_can_ban, user_is_moderator
from gallery import comments, services
from gallery.models import Comment, Like, Post, Report
from generation.admin import admin_thumb
from instantpainting.errors import ServiceError

if TYPE_CHECKING:  # the mixin is only ever mixed into a ModelAdmin
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class _ModerationMixin(_AdminBase):
    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return user_is_moderator(user=request.user)

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return user_can_ban(user=request.user)

    def _ban(self, request: HttpRequest, users: list[Any]) -> None:
        banned, refused = 0, []
        for user in {u.pk: u for u in users}.values():
            try:
                account_services.user_ban(user=user, by=request.user)
                banned += 1
            except ServiceError as exc:
                refused.append(f"{user.get_username()}: {exc.message}")
        self.message_user(request, ngettext("%(n)d user banned.", "%(n)d users banned.", banned) % {"n": banned})
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def _hide(self, request: HttpRequest, posts: list[Post], hidden: bool) -> int:
        for post in posts:
            services.post_set_hidden(post=post, hidden=hidden, by=request.user, reason=str(_("Hidden by a moderator")))
        return len(posts)


def _post_link(post: Post) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:gallery_post_change", args=[post.pk]),
        Truncator(post.display_title).chars(60),
    )


@admin.register(Post)
class PostAdmin(_ModerationMixin, admin.ModelAdmin):
    list_display = [
        "thumb",
        "title_or_prompt",
        "author",
        "category",
        "like_count",
        "open_reports",
        "safety_score",
        "awaiting_review",
        "is_hidden",
        "is_featured",
        "created_at",
        "view_on_site_link",
    ]
    # "Awaiting review: yes" is the queue of pictures the automatic safety check held back.
    list_filter = ["awaiting_review", "is_hidden", "is_featured", "image__generation__model__category", "created_at"]
    search_fields = ["title", "image__generation__prompt", "author__username", "=share_code"]
    list_select_related = ["author", "image__generation__model"]
    readonly_fields = [
        "large_thumb",
        "image",
        "author",
        "prompt",
        "share_code",
        "like_count",
        "remix_of",
        "safety_score",
        "awaiting_review",
        "created_at",
    ]
    fields = [
        "large_thumb",
        "title",
        "prompt",
        "author",
        "image",
        "share_code",
        "remix_of",
        "like_count",
        "safety_score",
        "awaiting_review",
        "is_hidden",
        "hidden_reason",
        "is_featured",
        "created_at",
    ]
    actions = ["hide", "unhide", "feature", "unfeature", "ban_authors"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # posts are published by their authors

    def delete_model(self, request: HttpRequest, obj: Post) -> None:
        services.post_unpublish(post=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_unpublish(post=post, user=request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return (
            super()
            .get_queryset(request)
            .annotate(open_report_count=Count("reports", filter=Q(reports__status=Report.Status.OPEN)))
        )

    @admin.display(description=_("image"))
    def thumb(self, obj: Post) -> str:
        return admin_thumb(obj.image)

    @admin.display(description=_("image"))
    def large_thumb(self, obj: Post) -> str:
        return admin_thumb(obj.image, size=256)

    @admin.display(description=_("title or prompt"), ordering="title")
    def title_or_prompt(self, obj: Post) -> str:
        return Truncator(obj.display_title).chars(60)

    @admin.display(description=_("prompt"))
    def prompt(self, obj: Post) -> str:
        return obj.image.generation.prompt

    @admin.display(description=_("category"), ordering="image__generation__model__category")
    def category(self, obj: Post) -> str:
        return obj.image.generation.model.category

    @admin.display(description=_("open reports"), ordering="open_report_count")
    def open_reports(self, obj: Post) -> int:
        return getattr(obj, "open_report_count", 0)

    @admin.display(description=_("page"))
    def view_on_site_link(self, obj: Post) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_share_path(), obj.share_code)

    @admin.action(description=_("Hide the selected posts"), permissions=["moderate"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = self._hide(request, list(queryset), True)
        self.message_user(request, ngettext("%(n)d post hidden.", "%(n)d posts hidden.", count) % {"n": count})

    @admin.action(description=_("Unhide the selected posts"), permissions=["moderate"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        count = self._hide(request, list(queryset), False)
        self.message_user(
            request, ngettext("%(n)d post visible again.", "%(n)d posts visible again.", count) % {"n": count}
        )

    @admin.action(description=_("Feature the selected posts"), permissions=["moderate"])
    def feature(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_set_featured(post=post, featured=True, by=request.user)
        self.message_user(request, _("Featured."))

    @admin.action(description=_("Stop featuring the selected posts"), permissions=["moderate"])
    def unfeature(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        for post in queryset:
            services.post_set_featured(post=post, featured=False, by=request.user)
        self.message_user(request, _("No longer featured."))

    @admin.action(description=_("Ban the authors of the selected posts"), permissions=["ban"])
    def ban_authors(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        self._ban(request, [post.author for post in queryset.select_related("author")])


@admin.register(Report)
class ReportAdmin(_ModerationMixin, admin.ModelAdmin):
    """The report queue: open reports first, oldest first."""

    list_display = [
        "thumb",
        "post_link",
        "comment_excerpt",
        "reason",
        "details_excerpt",
        "reporter_name",
        "post_author",
        "status",
        "post_hidden",
        "created_at",
    ]
    list_filter = ["status", "reason", "created_at"]
    search_fields = [
        "details",
        "reporter__username",
        "post__author__username",
        "post__title",
        "post__image__generation__prompt",
        "comment__body",
    ]
    list_select_related = ["post__author", "reporter", "post__image__generation", "comment"]
    readonly_fields = [
        "post",
        "comment",
        "reporter_name",
        "reason",
        "details",
        "handled_by",
        "handled_at",
        "created_at",
    ]
    fields = [
        "post",
        "comment",
        "reporter_name",
        "reason",
        "details",
        "status",
        "handled_by",
        "handled_at",
        "created_at",
    ]
    actions = [
        "hide_posts",
        "unhide_posts",
        "unpublish_posts",
        "remove_comments",
        "dismiss",
        "resolve",
        "ban_authors",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        open_first = Case(When(status=Report.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
        return [open_first.asc(), "created_at"]

    @admin.display(description=_("image"))
    def thumb(self, obj: Report) -> str:
        return admin_thumb(obj.post.image)

    @admin.display(description=_("post"))
    def post_link(self, obj: Report) -> str:
        return _post_link(obj.post)

    @admin.display(description=_("comment"))
    def comment_excerpt(self, obj: Report) -> str:
        if obj.comment is None:
            return "—"
        return str(_("Comment deleted")) if obj.comment.is_tombstone else Truncator(obj.comment.body).chars(80)

    @admin.display(description=_("reporter"), ordering="reporter__username")
    def reporter_name(self, obj: Report) -> str:
        if obj.reporter is not None:
            return str(obj.reporter.get_username())
        if obj.reporter_deleted:
            return str(_("(deleted account)"))
        return str(_("(automatic check)"))

    @admin.action(description=_("Remove the reported comments (their reports go with them)"), permissions=["moderate"])
    def remove_comments(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        found = {r.comment_id: r.comment for r in queryset.select_related("comment__post") if r.comment is not None}
        for comment in found.values():
            comments.comment_delete(comment=comment, user=request.user)
        self.message_user(
            request, ngettext("%(n)d comment removed.", "%(n)d comments removed.", len(found)) % {"n": len(found)}
        )

    @admin.display(description=_("details"))
    def details_excerpt(self, obj: Report) -> str:
        return Truncator(obj.details).chars(80)

    @admin.display(description=_("author"), ordering="post__author__username")
    def post_author(self, obj: Report) -> str:
        return obj.post.author.get_username()

    @admin.display(description=_("post hidden"), boolean=True)
    def post_hidden(self, obj: Report) -> bool:
        return obj.post.is_hidden

    def _posts(self, queryset: QuerySet[Report]) -> list[Post]:
        return list({r.post_id: r.post for r in queryset.select_related("post")}.values())

    @admin.action(description=_("Hide the reported posts (resolves their reports)"), permissions=["moderate"])
    def hide_posts(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        count = self._hide(request, self._posts(queryset), True)
        self.message_user(request, ngettext("%(n)d post hidden.", "%(n)d posts hidden.", count) % {"n": count})

    @admin.action(description=_("Unhide the reported posts"), permissions=["moderate"])
    def unhide_posts(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        count = self._hide(request, self._posts(queryset), False)
        self.message_user(
            request, ngettext("%(n)d post visible again.", "%(n)d posts visible again.", count) % {"n": count}
        )

    @admin.action(description=_("Delete the reported posts (the pictures become private)"), permissions=["moderate"])
    def unpublish_posts(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        posts = self._posts(queryset)
        for post in posts:
            services.post_unpublish(post=post, user=request.user)
        self.message_user(
            request, ngettext("%(n)d post deleted.", "%(n)d posts deleted.", len(posts)) % {"n": len(posts)}
        )

    @admin.action(description=_("Dismiss the selected reports"), permissions=["moderate"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            services.report_close(report=report, status=Report.Status.DISMISSED, by=request.user)
        self.message_user(request, _("Dismissed."))

    @admin.action(description=_("Mark the selected reports resolved"), permissions=["moderate"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            services.report_close(report=report, status=Report.Status.RESOLVED, by=request.user)
        self.message_user(request, _("Resolved."))

    @admin.action(description=_("Ban the authors of the reported posts"), permissions=["ban"])
    def ban_authors(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._ban(request, [post.author for post in self._posts(queryset)])


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "created_at"]
    search_fields = ["user__username", "post__title"]
    list_select_related = ["user", "post__image__generation"]
    readonly_fields = ["user", "post", "created_at"]
    deleted_with_user = True  # accounts.admin.UserAdmin: the counts are redone (gallery.signals)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Post.like_count moves with likes only through post_like_toggle


@admin.register(Comment)
class CommentAdmin(_ModerationMixin, admin.ModelAdmin):
    list_display = ["body_excerpt", "author", "post", "parent", "created_at", "edited_at"]
    search_fields = ["body", "author__username", "post__title"]
    list_select_related = ["author", "post__image__generation"]
    readonly_fields = ["post", "author", "parent", "body", "created_at", "edited_at"]
    actions = ["remove"]
    deleted_with_user = True  # accounts.admin.UserAdmin: the counts are redone (gallery.signals)

    @admin.display(description=_("comment"))
    def body_excerpt(self, obj: Comment) -> str:
        return str(_("Comment deleted")) if obj.is_tombstone else Truncator(obj.body).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # Post.comment_count moves with comments only through comment_delete

    @admin.action(description=_("Remove the selected comments (replies from others stay)"), permissions=["moderate"])
    def remove(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        removed = 0
        for comment in queryset.select_related("post"):
            # A selected reply may have gone with its comment; a tombstone is removed already.
            if Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).exists():
                comments.comment_delete(comment=comment, user=request.user)
                removed += 1
        self.message_user(
            request, ngettext("%(n)d comment removed.", "%(n)d comments removed.", removed) % {"n": removed}
        )

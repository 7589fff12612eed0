"""Comments on posts: write, edit, delete, report (services) and the thread of a post (selector).

Replies go one level deep: a reply to a reply joins the same thread, under its top-level comment.
Anyone signed in may comment on a visible post; the author edits and deletes their comment; the
post's author and moderators remove any comment on it. Removing a comment never removes what other
people wrote: a comment with replies from others stays in the thread as a tombstone (no author, no
text: "Comment deleted"), and goes when its last reply goes. The same holds when a person deletes
their account (gallery.signals calls comments_of_leaving_user).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind
from accounts.selectors import user_is_moderator
from gallery.models import COMMENT_MAX_LENGTH, Comment, Notification, Post, Report
from gallery.notifications import notify
from gallery.services import clean_report
from generation.selectors import prompt_blocked_term
from instantpainting.errors import Conflict, Gone, NotAllowed, NotFound, ServiceError


def _check_can_write(*, user: Any, post: Post) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to comment."))
    if post.is_hidden or not post.author.is_active:
        raise Gone(_("This post was removed."))


def _clean_body(body: Any) -> str:
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise ServiceError(_("The comment must be text."), field="body")
    body = body.strip()
    if not body:
        raise ServiceError(_("Write something first."), field="body")
    if len(body) > COMMENT_MAX_LENGTH:
        raise ServiceError(_("Keep a comment to %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}, field="body")
    blocked = prompt_blocked_term(body)
    if blocked:
        raise ServiceError(
            _("This comment contains a term this site does not allow (“%(term)s”).") % {"term": blocked}, field="body"
        )
    return body


def _parent_on(post: Post, parent: Any) -> Comment | None:
    if parent in (None, ""):
        return None
    try:
        pk = int(parent)
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("Reply to a comment by its number."), field="parent") from exc
    found = Comment.objects.select_related("author", "parent__author").filter(pk=pk, post=post).first()
    # A tombstone (no author) can be replied to: the reply joins its thread.
    if found is None or (found.author is not None and not found.author.is_active):
        raise NotFound(_("No such comment on this post."), field="parent")
    return found.parent or found


def comment_create(*, post: Post, user: Any, body: Any, parent: Any = None) -> Comment:
    """Write a comment (or a reply, with `parent` the id of a comment on the same post)."""
    _check_can_write(user=user, post=post)
    body = _clean_body(body)
    reply_to = _parent_on(post, parent)
    comment = Comment(post=post, author=user, parent=reply_to, body=body)
    comment.full_clean()
    with transaction.atomic():
        comment.save()
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
        if reply_to is not None:
            notify(recipient=reply_to.author, kind=NotificationKind.REPLY, actor=user, post=post, comment=comment)
        if reply_to is None or reply_to.author_id != post.author_id:
            notify(recipient=post.author, kind=NotificationKind.COMMENT, actor=user, post=post, comment=comment)
    return comment


def comment_edit(*, comment: Comment, user: Any, body: Any) -> Comment:
    if user is None or not user.is_authenticated or not user.is_active or comment.author_id != user.pk:
        raise NotAllowed(_("Only the author can edit a comment."))
    if comment.post.is_hidden:
        raise Gone(_("This post was removed."))
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


def comment_can_remove(*, comment: Comment, user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.pk in (comment.author_id, comment.post.author_id) or user_is_moderator(user=user)


def comment_delete(*, comment: Comment, user: Any) -> None:
    """Remove a comment: its author, the post's author, or a moderator.

    Its replies by its own author go with it; when others replied, it stays as a tombstone and their
    replies stay. A reply that was the last one under a tombstone takes the tombstone with it.
    """
    if comment.is_tombstone:
        return  # already removed; it stays for its replies
    if not comment_can_remove(comment=comment, user=user):
        raise NotAllowed(_("Only the comment's author, the post's author or a moderator can remove it."))
    with transaction.atomic():
        _remove(Comment.objects.filter(pk=comment.pk), author_id=comment.author_id)
        recount_comments(post_ids=[comment.post_id])


def comments_of_leaving_user(*, user: Any, post_ids: set[int]) -> None:
    """Before `user`'s account is deleted: their comments and replies go, except a comment that
    others replied to, which becomes a tombstone. `post_ids` are the posts they commented on that
    stay (the caller recounts them once the user row is gone)."""
    _remove(Comment.objects.filter(author=user, post_id__in=post_ids), author_id=user.pk)


def _remove(comments: QuerySet[Comment], *, author_id: int | None) -> None:
    """Remove `comments` (all by `author_id`) and their replies by the same person; those with
    replies from others become tombstones. Then tombstones left without replies go."""
    others_replied = Exists(Comment.objects.filter(parent=OuterRef("pk")).exclude(author_id=author_id))
    rows = list(comments.annotate(others_replied=others_replied).values_list("pk", "post_id", "others_replied"))
    if not rows:
        return
    keep = [pk for pk, _post, replied in rows if replied]
    drop = [pk for pk, _post, replied in rows if not replied]
    parents = set(Comment.objects.filter(pk__in=drop, parent__isnull=False).values_list("parent_id", flat=True))
    own_replies = Comment.objects.filter(parent_id__in=keep + drop, author_id=author_id)
    Comment.objects.filter(Q(pk__in=drop) | Q(pk__in=own_replies.values("pk"))).delete()
    if keep:
        # What pointed at the comment itself goes, as it went with the deleted comment before:
        # its reports, and the notification that told of it.
        Report.objects.filter(comment_id__in=keep).delete()
        Notification.objects.filter(comment_id__in=keep).delete()
        Comment.objects.filter(pk__in=keep).update(author=None, body="", edited_at=None, deleted_at=timezone.now())
    Comment.objects.filter(pk__in=parents, deleted_at__isnull=False, replies__isnull=True).delete()


def recount_comments(*, post_ids: Any) -> None:
    """Set Post.comment_count to the comments people can read on each post (tombstones do not count)."""
    readable = (
        Comment.objects.filter(post=OuterRef("pk"), deleted_at__isnull=True)
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Post.objects.filter(pk__in=post_ids).update(comment_count=Coalesce(Subquery(readable), 0))


def comment_report(*, comment: Comment, user: Any, reason: Any, details: Any = "") -> Report:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to report a comment."))
    if comment.post.is_hidden:
        raise Gone(_("This post was removed."))
    if comment.author_id == user.pk:
        raise ServiceError(_("You cannot report your own comment. Delete it instead."))
    reason, details = clean_report(reason=reason, details=details)
    already = _("You already reported this comment. Moderators will look at it.")
    if Report.objects.filter(comment=comment, reporter=user, status=Report.Status.OPEN).exists():
        raise Conflict(already)
    report = Report(post=comment.post, comment=comment, reporter=user, reason=reason, details=details)
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise Conflict(already) from exc
    return report


def comments_of(*, post: Post) -> QuerySet[Comment]:
    """A post's comments in thread order (each top-level comment, then its replies), oldest first;
    banned people's comments are left out, tombstones stay while a reply under them is shown (a
    tombstone over banned people's replies only would be an empty "Comment deleted")."""
    shown_reply = Comment.objects.filter(parent=OuterRef("pk"), author__is_active=True)
    return (
        Comment.objects.filter(Q(author__is_active=True) | Q(Exists(shown_reply), deleted_at__isnull=False), post=post)
        .select_related("author__profile")
        .annotate(thread=Coalesce("parent_id", "id"))
        .order_by("thread", "id")
    )


def comment_get(*, pk: Any) -> Comment | None:
    """A comment to edit, remove or report; None for a tombstone (there is nothing left to act on)."""
    try:
        return (
            Comment.objects.select_related("post__author", "author").filter(pk=int(pk), deleted_at__isnull=True).first()
        )
    except (TypeError, ValueError):
        return None

"""Notifications: what happened to a person's pictures, comments and account, told to them only.

Unread notifications of one kind about one post (or, for new followers, about the person) are one
row that counts its people ("12 people liked …"); reading it starts a new batch. Each new or grown
notification is pushed to the recipient's own websocket group (generation.events, the same socket
and group as their jobs' events) after the transaction commits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import NotificationKind
from accounts.selectors import profile_of
from gallery.models import Comment, Notification, NotificationActor, Post
from generation import events
from generation.owners import Owner

EVENT_TYPE = "notification.new"


def notify(
    *, recipient: Any, kind: str, actor: Any, post: Post | None = None, comment: Comment | None = None
) -> Notification | None:
    """Tell `recipient` that `actor` did `kind`; None when nothing is sent (self, banned, turned off)."""
    if recipient is None or recipient.pk == actor.pk or not recipient.is_active:
        return None
    if not profile_of(user=recipient).wants_notification(kind):
        return None
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update()
            .filter(recipient=recipient, kind=kind, post=post, is_read=False)
            .order_by("-id")
            .first()
        )
        if note is None:
            note = Notification.objects.create(recipient=recipient, kind=kind, post=post, comment=comment, actor=actor)
            NotificationActor.objects.create(notification=note, user=actor)
        else:
            _row, counted_new = NotificationActor.objects.get_or_create(notification=note, user=actor)
            Notification.objects.filter(pk=note.pk).update(
                actor=actor,
                comment=comment or note.comment,
                actor_count=F("actor_count") + (1 if counted_new else 0),
            )
            note.refresh_from_db()
    transaction.on_commit(lambda: _push(note))
    return note


def notifications_without_actor(*, user: Any) -> None:
    """Before `user`'s account is deleted: take them out of other people's notifications. One that
    counted others too stays, told by the latest of those remaining ("Ann and 2 others" becomes
    "Bob and 1 other"); one that was only theirs goes. Their own notifications go with them."""
    notes = (
        Notification.objects.filter(Q(actor=user) | Q(actors__user=user) | Q(comment__author=user))
        .exclude(recipient=user)
        .distinct()
        .select_related("comment")
    )
    for note in notes:
        remaining = NotificationActor.objects.filter(notification=note).exclude(user=user).order_by("-id")
        latest = remaining.select_related("user").first()
        if latest is None:
            note.delete()
            continue
        comment = note.comment
        if comment is not None and comment.author_id == user.pk:
            comment = _latest_comment(note=note, by=latest.user)
        Notification.objects.filter(pk=note.pk).update(
            actor=latest.user, actor_count=remaining.count(), comment=comment
        )
    NotificationActor.objects.filter(user=user).delete()


def _latest_comment(*, note: Notification, by: Any) -> Comment | None:
    """The newest comment (or, for a reply notification, reply to the recipient) of `by` on the
    notification's post: what the notification links to once `by` is its latest actor."""
    if note.post_id is None:
        return None
    comments = Comment.objects.filter(post_id=note.post_id, author=by, deleted_at__isnull=True)
    if note.kind == NotificationKind.REPLY:
        comments = comments.filter(parent__author_id=note.recipient_id)
    return comments.order_by("-created_at", "-id").first()


def _push(note: Notification) -> None:
    note = Notification.objects.select_related("actor__profile", "post__image__generation", "comment").get(pk=note.pk)
    events.publish(
        Owner(user_id=note.recipient_id).group,
        {
            "type": EVENT_TYPE,
            "id": note.pk,
            "kind": note.kind,
            "text": notification_text(note),
            "url": notification_url(note),
            "actor_count": note.actor_count,
            "unread": unread_count(user_id=note.recipient_id),
        },
    )


def notification_text(note: Notification) -> str:
    """One line for a person, in the active language: "Ann and 11 others liked “Dusk”"."""
    actor = profile_of(user=note.actor).name if note.actor is not None else _("Someone")
    others = note.actor_count - 1
    title = note.post.display_title if note.post is not None else ""
    values = {"actor": actor, "n": others, "title": title}
    if note.kind == NotificationKind.LIKE:
        if others:
            return (
                ngettext(
                    "%(actor)s and %(n)d other liked “%(title)s”",
                    "%(actor)s and %(n)d others liked “%(title)s”",
                    others,
                )
                % values
            )
        return _("%(actor)s liked “%(title)s”") % values
    if note.kind == NotificationKind.COMMENT:
        if others:
            return (
                ngettext(
                    "%(actor)s and %(n)d other commented on “%(title)s”",
                    "%(actor)s and %(n)d others commented on “%(title)s”",
                    others,
                )
                % values
            )
        return _("%(actor)s commented on “%(title)s”") % values
    if note.kind == NotificationKind.REPLY:
        if others:
            return (
                ngettext(
                    "%(actor)s and %(n)d other replied to you on “%(title)s”",
                    "%(actor)s and %(n)d others replied to you on “%(title)s”",
                    others,
                )
                % values
            )
        return _("%(actor)s replied to you on “%(title)s”") % values
    if note.kind == NotificationKind.REMIX:
        if others:
            return (
                ngettext(
                    "%(actor)s and %(n)d other remixed “%(title)s”",
                    "%(actor)s and %(n)d others remixed “%(title)s”",
                    others,
                )
                % values
            )
        return _("%(actor)s remixed “%(title)s”") % values
    if others:
        return (
            ngettext(
                "%(actor)s and %(n)d other started following you",
                "%(actor)s and %(n)d others started following you",
                others,
            )
            % values
        )
    return _("%(actor)s started following you") % values


def notification_url(note: Notification) -> str:
    if note.comment_id is not None:
        return note.comment.get_absolute_url() if note.comment else ""
    if note.post is not None:
        return note.post.get_absolute_url()
    if note.actor is None:
        return reverse("gallery:notifications")
    return reverse("gallery:profile", args=[note.actor.get_username()])


def notifications_of(*, user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest activity first, with what their text and link need."""
    return Notification.objects.filter(recipient=user).select_related(
        "actor__profile", "post__image__generation", "comment"
    )


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, is_read=False).count()


def notifications_mark_read(*, user: Any, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all, or those of `ids` among theirs); returns how many."""
    rows = Notification.objects.filter(recipient=user, is_read=False)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(is_read=True)

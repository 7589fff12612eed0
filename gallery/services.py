"""Writes for the gallery: publish, unpublish, delete, like, report, moderate, share images.

Every function checks who may do it (the `check` half of Zulip's check/do split) and raises a
ServiceError (instantpainting.errors) that the edges turn into a status code and a message.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from accounts.models import NotificationKind
from accounts.selectors import user_is_moderator
from gallery.imaging import PREVIEW_SIZE, letterbox_png
from gallery.models import REPORT_DETAILS_MAX_LENGTH, SHARE_CODE_LENGTH, TITLE_MAX_LENGTH, Like, Post, Report
from gallery.notifications import notify
from gallery.tags import clean_tags, post_set_tags
from generation.creative.card import poem_card_png
from generation.creative.services import poem_of
from generation.models import Generation, GenerationImage
from generation.selectors import image_stored_names, prompt_blocked_term
from instantpainting.errors import Conflict, Gone, NotAllowed, NotFound, ServiceError
from instantpainting.files import delete_stored_files_on_commit
from instantpainting.safety import image_nsfw_score, safety_enabled

# No look-alikes (0/O, 1/l/I): share codes get read aloud and typed from screenshots.
SHARE_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def _new_share_code() -> str:
    for _attempt in range(10):
        code = "".join(secrets.choice(SHARE_ALPHABET) for _i in range(SHARE_CODE_LENGTH))
        if not Post.objects.filter(share_code=code).exists():
            return code
    raise RuntimeError("could not find a free share code")


def _clean_title(title: Any) -> str:
    if title is None:
        return ""
    if not isinstance(title, str):
        raise ServiceError(_("The title must be text."), field="title")
    title = " ".join(title.split())
    if len(title) > TITLE_MAX_LENGTH:
        raise ServiceError(_("Keep the title to %(n)d characters.") % {"n": TITLE_MAX_LENGTH}, field="title")
    return title


def _remix_source(generation: Generation, image: GenerationImage) -> Post | None:
    """The visible post this job was remixed from (generation.options["remix_of"] holds its id)."""
    raw = (generation.options or {}).get("remix_of")
    try:
        pk = int(str(raw))
    except (TypeError, ValueError):
        return None
    return Post.objects.visible().exclude(image=image).filter(pk=pk).first()


def _safety_score(image: GenerationImage, *, animated: bool = False) -> float | None:
    """The image's explicit-content score; for an animated post, the highest of its job's frames."""
    if not safety_enabled():
        return None
    frames = list(image.generation.images.all()) if animated else [image]
    scores = []
    for frame in frames:
        with default_storage.open(frame.file.name or "", "rb") as handle:
            score = image_nsfw_score(handle.read())
        if score is not None:  # None: the classifier could not read it
            scores.append(score)
    return max(scores, default=None)


def post_publish(
    *, user: Any, image: GenerationImage, title: Any = "", tags: Any = None, animated: bool = False
) -> Post:
    """Publish the user's own image. One post per image; the prompt, title and tags pass the blocklist.

    Tags are the title's #words plus `tags` (gallery.tags.clean_tags). `animated`: the post shows
    the job's animation (only an interpolation has one) over the image."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to publish."))
    generation = image.generation
    if generation.user_id != user.pk:
        # Someone else's image looks the same as a missing one.
        raise NotFound(_("No such picture among yours."), field="image")
    title = _clean_title(title)
    tag_names = clean_tags(title=title, tags=tags)
    blocked = prompt_blocked_term(f"{title} {generation.prompt} {' '.join(tag_names)}")
    if blocked:
        raise ServiceError(
            _("This picture cannot be published: it contains a term this site does not allow (“%(term)s”).")
            % {"term": blocked},
            field="title"
            if blocked.casefold() in title.casefold()
            else ("tags" if blocked.casefold() in " ".join(tag_names) else "image"),
        )
    if animated is not True and animated is not False:
        raise ServiceError(_("Say true or false."), field="animated")
    if animated and not generation.animation:
        raise ServiceError(
            _("This picture has no animation: only an interpolation's frames have one."), field="animated"
        )
    if Post.objects.filter(image=image).exists():
        raise Conflict(_("This picture is already published."), field="image")
    score = _safety_score(image, animated=animated)
    flagged = score is not None and score > settings.SAFETY_PUBLISH_THRESHOLD
    post = Post(
        image=image,
        author=user,
        title=title,
        share_code=_new_share_code(),
        animated=animated,
        remix_of=_remix_source(generation, image),
        safety_score=score,
        # Above the threshold the post waits, hidden, in the moderators' queue (admin: awaiting review).
        is_hidden=flagged,
        awaiting_review=flagged,
        hidden_reason=str(_("Waiting for a moderator: the automatic safety check flagged it.")) if flagged else "",
    )
    post.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            post.save()
            post_set_tags(post=post, names=tag_names)
    except IntegrityError as exc:  # a concurrent publish of the same image won
        raise Conflict(_("This picture is already published."), field="image") from exc
    if flagged:  # into the moderators' report queue, as the safety check's own report
        Report.objects.create(
            post=post,
            reporter=None,
            reason=Report.Reason.SEXUAL,
            details=f"Automatic safety check: explicit-content score {score:.2f}",
        )
    if post.remix_of is not None and not flagged:
        notify(recipient=post.remix_of.author, kind=NotificationKind.REMIX, actor=user, post=post.remix_of)
    return post


def _check_owner_or_moderator(*, post: Post, user: Any) -> None:
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("Log in first."))
    if post.author_id != user.pk and not user_is_moderator(user=user):
        raise NotAllowed(_("Only the author can do this."))


def _delete_share_files(post: Post) -> None:
    delete_stored_files_on_commit([post.preview_storage_name])


def post_unpublish(*, post: Post, user: Any) -> None:
    """Take the post down (its likes, reports and share link go too); the picture becomes private again."""
    _check_owner_or_moderator(post=post, user=user)
    _delete_share_files(post)
    post.delete()


def post_delete_with_image(*, post: Post, user: Any) -> None:
    """The author deletes the post and the picture itself, files included."""
    if user is None or not user.is_authenticated or post.author_id != user.pk:
        raise NotAllowed(_("Only the author can delete the picture."))
    image = post.image
    _delete_share_files(post)
    with transaction.atomic():
        delete_stored_files_on_commit(image_stored_names(image))
        post.delete()
        image.delete()


def post_like_toggle(*, post: Post, user: Any) -> tuple[bool, int]:
    """Like or unlike; returns (liked, like_count). The count moves in the same transaction."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to like pictures."))
    if post.is_hidden or not post.author.is_active:
        raise Gone(_("This post was removed."))
    with transaction.atomic():
        removed, _detail = Like.objects.filter(post=post, user=user).delete()
        if removed:
            Post.objects.filter(pk=post.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
            liked = False
        else:
            try:
                with transaction.atomic():
                    Like.objects.create(post=post, user=user)
            except IntegrityError:  # a double click raced us; the like exists
                liked = True
            else:
                Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
                liked = True
                notify(recipient=post.author, kind=NotificationKind.LIKE, actor=user, post=post)
    post.refresh_from_db(fields=["like_count"])
    return liked, post.like_count


def clean_report(*, reason: Any, details: Any) -> tuple[str, str]:
    """A report's reason (one of the list) and details (text, trimmed, within the limit)."""
    if reason not in Report.Reason.values:
        raise ServiceError(_("Choose a reason from the list."), field="reason")
    if details is None:
        details = ""
    if not isinstance(details, str):
        raise ServiceError(_("The details must be text."), field="details")
    details = details.strip()
    if len(details) > REPORT_DETAILS_MAX_LENGTH:
        raise ServiceError(
            _("Keep the details to %(n)d characters.") % {"n": REPORT_DETAILS_MAX_LENGTH}, field="details"
        )
    return reason, details


def post_report(*, post: Post, user: Any, reason: Any, details: Any = "") -> Report:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to report a post."))
    if post.is_hidden or not post.author.is_active:
        raise Gone(_("This post was removed."))
    if post.author_id == user.pk:
        raise ServiceError(_("You cannot report your own post. Unpublish it instead."))
    reason, details = clean_report(reason=reason, details=details)
    if Report.objects.filter(post=post, comment=None, reporter=user, status=Report.Status.OPEN).exists():
        raise Conflict(_("You already reported this post. Moderators will look at it."))
    report = Report(post=post, reporter=user, reason=reason, details=details)
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise Conflict(_("You already reported this post. Moderators will look at it.")) from exc
    return report


def _check_moderator(user: Any) -> None:
    if not user_is_moderator(user=user):
        raise NotAllowed(_("Only moderators can do this."))


def post_set_hidden(*, post: Post, hidden: bool, by: Any, reason: str = "") -> Post:
    """Hide (or unhide) a post: a hidden post's pages answer 410 and its files are private again."""
    _check_moderator(by)
    post.is_hidden = hidden
    post.hidden_reason = (reason or "")[:200] if hidden else ""
    post.awaiting_review = False  # a moderator has looked at it either way
    post.save(update_fields=["is_hidden", "hidden_reason", "awaiting_review"])
    if hidden:
        Report.objects.filter(post=post, status=Report.Status.OPEN).update(
            status=Report.Status.RESOLVED, handled_by=by, handled_at=timezone.now()
        )
    return post


def post_set_featured(*, post: Post, featured: bool, by: Any) -> Post:
    _check_moderator(by)
    post.is_featured = featured
    post.save(update_fields=["is_featured"])
    return post


def report_close(*, report: Report, status: str, by: Any) -> Report:
    _check_moderator(by)
    if status not in (Report.Status.RESOLVED, Report.Status.DISMISSED):
        raise ServiceError(_("A report is closed as resolved or dismissed."))
    report.status = status
    report.handled_by = by
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at"])
    return report


def post_preview_ensure(*, post: Post) -> str:
    """The storage name of the post's 1200×630 social preview, made once and then reused."""
    name = post.preview_storage_name
    if default_storage.exists(name):
        return name
    with default_storage.open(post.image.file.name or "", "rb") as handle, Image.open(handle) as source:
        source.load()
        poem = poem_of(post.image)
        png = poem_card_png(source, poem, size=PREVIEW_SIZE) if poem else letterbox_png(source)
    saved = default_storage.save(name, ContentFile(png))
    if saved != name:  # another request made it first; keep theirs
        default_storage.delete(saved)
    return name

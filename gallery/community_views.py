"""Pages for comments, follows and notifications. Thin: parse, call one service, redirect or render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import profile_of, user_by_username
from gallery import collections, comments, follows, notifications, selectors, tags
from gallery.forms import ReportForm
from gallery.models import COLLECTION_NAME_MAX_LENGTH, COMMENT_MAX_LENGTH, TAG_MAX_LENGTH, Comment
from gallery.views import FEED_PAGE_SIZE, _post_or_404, _render_post, _safe_next, _throttled
from instantpainting import errors
from instantpainting.links import absolute_url, share_targets
from instantpainting.throttles import page_throttle_wait

PEOPLE_PAGE_SIZE = 48
NOTIFICATIONS_PAGE_SIZE = 24
TAGS_PAGE_SIZE = 60


def _comment_or_404(pk: Any) -> Comment:
    comment = comments.comment_get(pk=pk)
    if comment is None or comment.author is None or not comment.author.is_active:
        raise Http404
    return comment


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(post.get_absolute_url())
    wait = page_throttle_wait(request, "comment_write")
    if wait is not None:
        return _throttled(wait)
    body = request.POST.get("body", "")
    parent = request.POST.get("parent") or None
    try:
        comment = comments.comment_create(post=post, user=request.user, body=body, parent=parent)
    except errors.Gone:
        return render(request, "gallery/gone.html", status=410)
    except errors.NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except errors.ServiceError as exc:
        # The page again, with what was typed and why it was refused: nothing is lost.
        return _render_post(
            request,
            post,
            extra={"comment_error": exc.message, "comment_body": body, "comment_parent": parent},
            status=400,
        )
    return redirect(comment.get_absolute_url())


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("Only the author can edit a comment."))
    body, error = comment.body, ""
    if request.method == "POST":
        wait = page_throttle_wait(request, "comment_write")
        if wait is not None:
            return _throttled(wait)
        body = request.POST.get("body", "")
        try:
            comments.comment_edit(comment=comment, user=request.user, body=body)
        except errors.Gone:
            return render(request, "gallery/gone.html", status=410)
        except errors.ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your comment is updated."))
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "gallery/comment_edit.html",
        {"comment": comment, "body": body, "error": error, "max_length": COMMENT_MAX_LENGTH},
        status=400 if error else 200,
    )


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(comment.post.get_absolute_url())
    try:
        comments.comment_delete(comment=comment, user=request.user)
    except errors.NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("The comment is removed."))
    return redirect(comment.post.get_absolute_url() + "#comments")


@require_http_methods(["GET", "POST"])
def comment_report(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        wait = page_throttle_wait(request, "gallery_report")
        if wait is not None:
            return _throttled(wait)
        if form.is_valid():
            try:
                comments.comment_report(comment=comment, user=request.user, **form.cleaned_data)
            except errors.Gone:
                return render(request, "gallery/gone.html", status=410)
            except errors.ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Thank you. Moderators will look at this comment."))
                return redirect(comment.get_absolute_url())
    return render(
        request,
        "gallery/report.html",
        {"post": comment.post, "comment": comment, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def follow_toggle(request: HttpRequest, username: str) -> HttpResponse:
    person = user_by_username(username=username)
    if person is None:
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(person_url(person))
    wait = page_throttle_wait(request, "gallery_write")
    if wait is not None:
        return _throttled(wait)
    try:
        follows.follow_set(follower=request.user, followed=person, on=request.POST.get("action") != "unfollow")
    except errors.ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(_safe_next(request, person_url(person)))


def person_url(person: Any) -> str:
    return reverse("gallery:profile", args=[person.get_username()])


@require_GET
def people_page(request: HttpRequest, username: str, which: str) -> HttpResponse:
    person = user_by_username(username=username)
    if person is None:
        raise Http404
    rows = follows.followers_of(user=person) if which == "followers" else follows.following_of(user=person)
    page = Paginator(rows, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "gallery/people.html",
        {"person": person, "profile": profile_of(user=person), "which": which, "page": page},
    )


@login_required
@require_GET
def following_feed_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(follows.following_feed(viewer=request.user), FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gallery/following.html", {"page": page, "facets": selectors.feed_facets()})


@login_required
@require_http_methods(["GET", "POST"])
def notifications_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        notifications.notifications_mark_read(user=request.user)
        return redirect("gallery:notifications")
    page = Paginator(notifications.notifications_of(user=request.user), NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"note": note, "text": notifications.notification_text(note), "url": notifications.notification_url(note)}
        for note in page.object_list
    ]
    return render(request, "gallery/notifications.html", {"page": page, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def collections_page(request: HttpRequest) -> HttpResponse:
    """My collections, and a form to make one."""
    error, name = "", ""
    if request.method == "POST":
        wait = page_throttle_wait(request, "gallery_write")
        if wait is not None:
            return _throttled(wait)
        name = request.POST.get("name", "")
        try:
            made = collections.collection_create(
                owner=request.user, name=name, is_public=request.POST.get("is_public") == "on"
            )
        except errors.ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, _("Collection made."))
            return redirect(made.get_absolute_url())
    page = Paginator(collections.collections_of(user=request.user), PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "gallery/collections.html",
        {"page": page, "error": error, "name": name, "max_length": COLLECTION_NAME_MAX_LENGTH},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def collection_page(request: HttpRequest, code: str) -> HttpResponse:
    """A collection's page: anyone's for a public one, only its owner's for a private one (else 404).
    Its owner renames it, makes it public or private, deletes it, or takes posts out here."""
    found = collections.collection_get(share_code=code, viewer=request.user)
    if found is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "update":
                collections.collection_update(
                    collection=found,
                    user=request.user,
                    name=request.POST.get("name", ""),
                    is_public=request.POST.get("is_public") == "on",
                )
            elif action == "delete":
                collections.collection_delete(collection=found, user=request.user)
                messages.success(request, _("Collection deleted."))
                return redirect("gallery:collections")
            elif action == "remove":
                post = selectors.post_get(pk=request.POST.get("post"))
                if post is not None:
                    collections.collection_remove(collection=found, user=request.user, post=post)
            else:
                messages.error(request, _("Unknown action."))
        except errors.NotFound as exc:
            raise Http404 from exc
        except errors.ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(found.get_absolute_url())
    page = Paginator(collections.collection_posts(collection=found, viewer=request.user), FEED_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    share_url = absolute_url(request=request, path=found.get_absolute_url())
    return render(
        request,
        "gallery/collection.html",
        {
            "collection": found,
            "page": page,
            "is_owner": request.user.is_authenticated and found.owner_id == request.user.pk,
            "share_url": share_url,
            "share_targets": share_targets(url=share_url, text=found.name),
            "max_length": COLLECTION_NAME_MAX_LENGTH,
        },
    )


@require_POST
def post_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a post to one of my collections, or to a new one named in the form."""
    post = _post_or_404(pk)
    if not request.user.is_authenticated:
        return redirect_to_login(post.get_absolute_url())
    wait = page_throttle_wait(request, "gallery_write")
    if wait is not None:
        return _throttled(wait)
    try:
        new_name = request.POST.get("new_name", "").strip()
        if new_name:
            target = collections.collection_create(owner=request.user, name=new_name)
        else:
            found = collections.collection_get(pk=request.POST.get("collection"), viewer=request.user)
            if found is None or found.owner_id != request.user.pk:
                raise errors.ServiceError(_("Choose one of your collections, or name a new one."))
            target = found
        added = collections.collection_add(collection=target, user=request.user, post=post)
    except errors.Gone:
        return render(request, "gallery/gone.html", status=410)
    except errors.ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(post.get_absolute_url())
    if added:
        messages.success(request, _("Saved to “%(name)s”.") % {"name": target.name})
    else:
        messages.info(request, _("Already in “%(name)s”.") % {"name": target.name})
    return redirect(post.get_absolute_url())


@require_GET
def tag_page(request: HttpRequest, name: str) -> HttpResponse:
    """The visible posts with one tag, newest first (or popular)."""
    tag = tags.tag_get(name=name)
    if tag is None:
        raise Http404
    ordering = "popular" if request.GET.get("ordering") == "popular" else "latest"
    posts = selectors.posts_feed(viewer=request.user, tag=tag.name, ordering=ordering)
    page = Paginator(posts, FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gallery/tag.html", {"tag": tag, "page": page, "ordering": ordering})


@require_GET
def tags_page(request: HttpRequest) -> HttpResponse:
    """Find tags: most used first, or those containing the search words."""
    q = (request.GET.get("q") or "")[: TAG_MAX_LENGTH + 1]
    page = Paginator(tags.tags_search(q=q), TAGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gallery/tags.html", {"page": page, "q": q})


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read; someone else's notification is a 404."""
    note = notifications.notifications_of(user=request.user).filter(pk=pk).first()
    if note is None:
        raise Http404
    notifications.notifications_mark_read(user=request.user, ids=[note.pk])
    return redirect(notifications.notification_url(note))

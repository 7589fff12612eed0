"""Gallery pages, post and share pages, and the share images. Thin: call selectors/services, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import profile_of, user_by_username, user_is_moderator
from gallery import selectors, services
from gallery.collections import collections_of
from gallery.comments import comments_of
from gallery.follows import follow_counts, follows
from gallery.forms import FeedFilterForm, PublishForm, ReportForm
from gallery.imaging import PREVIEW_SIZE, qr_png
from gallery.models import COMMENT_MAX_LENGTH, Post, Report
from generation.owners import owner_of_request
from instantpainting import errors
from instantpainting.files import serve_stored_file
from instantpainting.http import wants_json
from instantpainting.links import absolute_url, share_targets
from instantpainting.throttles import page_throttle_wait

FEED_PAGE_SIZE = 24


def _throttled(wait: float) -> HttpResponse:
    response = HttpResponse(_("Too many requests. Try again in a moment."), status=429, content_type="text/plain")
    response["Retry-After"] = str(max(1, int(wait + 0.999)))
    return response


def _error_response(request: HttpRequest, exc: errors.ServiceError, post: Post | None = None) -> HttpResponse:
    if wants_json(request):
        return errors.error_response(exc)
    if isinstance(exc, errors.NotFound):
        raise Http404
    if isinstance(exc, errors.Gone):
        return render(request, "gallery/gone.html", status=410)
    if isinstance(exc, errors.NotAllowed):
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)
    return redirect(post.get_absolute_url() if post else "gallery:feed")


def _post_or_404(pk: Any) -> Post:
    post = selectors.post_get(pk=pk)
    if post is None:
        raise Http404
    return post


def _login_then(request: HttpRequest, post: Post) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": _("Log in first."), "code": "not_authenticated"}, status=403)
    return redirect_to_login(post.get_absolute_url())


@require_GET
def feed_page(request: HttpRequest) -> HttpResponse:
    filters = FeedFilterForm(request.GET).filters()
    posts = selectors.posts_feed(viewer=request.user, **filters)
    page = Paginator(posts, FEED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "gallery/feed.html",
        {"page": page, "filters": filters, "facets": selectors.feed_facets()},
    )


COMMENTS_PAGE_SIZE = 50


def _render_post(
    request: HttpRequest, post: Post, *, extra: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    is_moderator = user_is_moderator(user=request.user)
    if not selectors.post_is_visible(post=post) and not is_moderator:
        return render(request, "gallery/gone.html", status=410)
    share_url = absolute_url(request=request, path=post.get_share_path())
    generation = post.image.generation
    description = Truncator(generation.prompt).chars(200)
    remix_query = urlencode(selectors.post_remix_params(post=post))
    is_owner = request.user.is_authenticated and post.author_id == request.user.pk
    comments_page = Paginator(comments_of(post=post), COMMENTS_PAGE_SIZE).get_page(request.GET.get("comments"))
    response = render(
        request,
        "gallery/post.html",
        {
            "post": post,
            "generation": generation,
            "post_settings": dict(selectors.post_settings(post=post)),
            "liked": selectors.post_liked_by(post=post, user=request.user),
            "remixes": selectors.post_remixes(post=post),
            "remix_url": reverse("generation:create") + "?" + remix_query,
            "share_url": share_url,
            "share_targets": share_targets(url=share_url, text=post.display_title),
            "og": {
                "title": post.display_title,
                "description": description,
                "image": absolute_url(request=request, path=reverse("gallery:share-preview", args=[post.share_code])),
                "image_width": PREVIEW_SIZE[0],
                "image_height": PREVIEW_SIZE[1],
                "url": share_url,
            },
            "is_owner": is_owner,
            "is_moderator": is_moderator,
            "report_reasons": Report.Reason.choices,
            "comments": comments_page,
            "can_remove_any_comment": is_moderator or is_owner,
            "comment_max_length": COMMENT_MAX_LENGTH,
            "my_collections": list(collections_of(user=request.user)) if request.user.is_authenticated else [],
            **(extra or {}),
        },
        status=status,
    )
    return response


@require_GET
def post_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_post(request, _post_or_404(pk))


@require_GET
def post_animation(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An animated post's animation (its job's interpolation as an animated WebP), for whoever may
    see the post: everyone while it is visible, its author and moderators when it is hidden."""
    post = _post_or_404(pk)
    allowed = selectors.post_is_visible(post=post) or user_is_moderator(user=request.user)
    if not allowed and not (request.user.is_authenticated and post.author_id == request.user.pk):
        raise Http404
    animation = post.image.generation.animation
    if not post.animated or not animation:
        raise Http404
    return serve_stored_file(animation.name, content_type="image/webp", cache_control="private, max-age=3600")


@require_GET
def share_page(request: HttpRequest, code: str) -> HttpResponse:
    post = selectors.post_get(share_code=code)
    if post is None:
        raise Http404
    return _render_post(request, post)


def _shared_post(code: str) -> Post:
    post = selectors.post_get(share_code=code)
    if post is None:
        raise Http404
    if not selectors.post_is_visible(post=post):
        raise errors.Gone(_("This post was removed."))
    return post


@require_GET
def share_preview(request: HttpRequest, code: str) -> HttpResponseBase:
    try:
        post = _shared_post(code)
    except errors.Gone:
        return HttpResponse(status=410)
    try:
        name = services.post_preview_ensure(post=post)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return serve_stored_file(name, content_type="image/png", cache_control="public, max-age=3600")


@require_GET
def share_qr(request: HttpRequest, code: str) -> HttpResponseBase:
    try:
        post = _shared_post(code)
    except errors.Gone:
        return HttpResponse(status=410)
    png = qr_png(absolute_url(request=request, path=post.get_share_path()))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_POST
def post_like(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(pk)
    if not request.user.is_authenticated:
        return _login_then(request, post)
    wait = page_throttle_wait(request, "gallery_write")
    if wait is not None:
        return _throttled(wait)
    try:
        liked, count = services.post_like_toggle(post=post, user=request.user)
    except errors.ServiceError as exc:
        return _error_response(request, exc, post)
    if wants_json(request):
        return JsonResponse({"liked": liked, "like_count": count})
    return redirect(_safe_next(request, post.get_absolute_url()))


@require_http_methods(["GET", "POST"])
def post_report(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(pk)
    if not selectors.post_is_visible(post=post):
        return render(request, "gallery/gone.html", status=410)
    if not request.user.is_authenticated:
        return _login_then(request, post)
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        wait = page_throttle_wait(request, "gallery_report")
        if wait is not None:
            return _throttled(wait)
        if form.is_valid():
            try:
                services.post_report(post=post, user=request.user, **form.cleaned_data)
            except errors.ServiceError as exc:
                if exc.field:
                    form.add_error(exc.field, exc.message)
                else:
                    return _error_response(request, exc, post)
            else:
                messages.success(request, _("Thank you. Moderators will look at this post."))
                return redirect(post.get_absolute_url())
    return render(request, "gallery/report.html", {"post": post, "form": form}, status=400 if form.errors else 200)


@require_POST
def post_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(pk)
    try:
        services.post_unpublish(post=post, user=request.user)
    except errors.ServiceError as exc:
        return _error_response(request, exc, post)
    messages.success(request, _("The post is unpublished. The picture is private again."))
    return redirect("gallery:feed")


@require_POST
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(pk)
    try:
        services.post_delete_with_image(post=post, user=request.user)
    except errors.ServiceError as exc:
        return _error_response(request, exc, post)
    messages.success(request, _("The post and its picture are deleted."))
    return redirect("gallery:feed")


MODERATION_ACTIONS = {
    "hide": lambda post, by, reason: services.post_set_hidden(post=post, hidden=True, by=by, reason=reason),
    "unhide": lambda post, by, reason: services.post_set_hidden(post=post, hidden=False, by=by),
    "feature": lambda post, by, reason: services.post_set_featured(post=post, featured=True, by=by),
    "unfeature": lambda post, by, reason: services.post_set_featured(post=post, featured=False, by=by),
}


@require_POST
def post_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(pk)
    action = MODERATION_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain")
    try:
        action(post, request.user, request.POST.get("reason", ""))
    except errors.ServiceError as exc:
        return _error_response(request, exc, post)
    messages.success(request, _("Done."))
    return redirect(post.get_absolute_url())


@require_GET
def publish_pick(request: HttpRequest) -> HttpResponse:
    """Choose one of your pictures to publish."""
    images = selectors.images_publishable_by(user=request.user) if request.user.is_authenticated else []
    guest_has_jobs = not request.user.is_authenticated and owner_of_request(request, create=False) is not None
    return render(request, "gallery/publish_pick.html", {"images": images, "guest_has_jobs": guest_has_jobs})


@require_http_methods(["GET", "POST"])
def publish_page(request: HttpRequest, image_id: Any) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    image = selectors.image_of_user(user=request.user, public_id=image_id)
    if image is None:
        raise Http404
    existing = Post.objects.filter(image=image).first()
    if existing is not None:
        messages.info(request, _("This picture is already published."))
        return redirect(existing.get_absolute_url())
    form = PublishForm(request.POST or None)
    if request.method == "POST":
        wait = page_throttle_wait(request, "gallery_write")
        if wait is not None:
            return _throttled(wait)
        if form.is_valid():
            try:
                post = services.post_publish(
                    user=request.user,
                    image=image,
                    title=form.cleaned_data["title"],
                    tags=form.cleaned_data["tags"],
                    animated=bool(form.cleaned_data["animated"]) and bool(image.generation.animation),
                )
            except errors.ServiceError as exc:
                if isinstance(exc, errors.Conflict | errors.NotFound):
                    return _error_response(request, exc)
                form.add_error(exc.field if exc.field in ("title", "tags") else None, exc.message)
            else:
                if post.awaiting_review:
                    messages.info(
                        request,
                        _(
                            "The automatic safety check held this picture back: a moderator will look at it "
                            "before it appears in the gallery."
                        ),
                    )
                    return redirect("gallery:publish-pick")
                messages.success(request, _("Published! Share it with the link below."))
                return redirect(post.get_absolute_url())
    return render(
        request,
        "gallery/publish.html",
        {"image": image, "generation": image.generation, "form": form},
        status=400 if form.errors else 200,
    )


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def profile_page(request: HttpRequest, username: str) -> HttpResponse:
    """A person's public profile: who they are (accounts) and what they published."""
    user = user_by_username(username=username)
    if user is None:
        raise Http404
    posts = selectors.posts_feed(author=user, viewer=request.user)
    page = Paginator(posts, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "gallery/profile.html",
        {
            "person": user,
            "profile": profile_of(user=user),
            "stats": selectors.profile_stats(user=user),
            "page": page,
            "is_self": request.user.is_authenticated and request.user.pk == user.pk,
            "follow_counts": follow_counts(user=user),
            "is_following": follows(follower=request.user, followed=user),
        },
    )

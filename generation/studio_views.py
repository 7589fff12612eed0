"""Pages of the creative studio: the buttons beside a picture (vary, restyle, interpolate), the
upload page, and the permission-checked files (uploads, interpolation strips and animations).

Thin: each form posts here, one service (generation.studio) creates the job, and the browser goes
to the create page, which follows the job live (`?follow=<id>`) like one it submitted itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generation import selectors, studio
from generation.labels import style_label
from generation.models import Generation, GenerationImage
from generation.owners import owner_of_request
from generation.schema import page_schema
from instantpainting.errors import NotFound, ServiceError
from instantpainting.files import serve_stored_file
from instantpainting.http import client_ip
from instantpainting.throttles import page_throttle_wait
from instantpainting.uploads import CappedUploadHandler

PRIVATE = "private, max-age=3600"


def _follow(generation: Generation) -> HttpResponseRedirect:
    return redirect(reverse("generation:create") + f"?follow={generation.public_id}")


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or reverse("generation:create")
    # Only back to this site: a path, never a full URL someone else wrote.
    return redirect(target if target.startswith("/") and not target.startswith("//") else reverse("generation:create"))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _studio_job(
    request: HttpRequest,
    public_id: str,
    *,
    own_only: bool,
    create: Callable[[Any, GenerationImage], Generation],
) -> HttpResponseBase:
    """One studio button: find the picture (yours, or any you may see unless `own_only`; else
    404), create the job, follow it live. A refusal goes back to the page with its message."""
    owner = owner_of_request(request, create=True)
    assert owner is not None
    try:
        if own_only:
            image = studio.image_owned_by(owner=owner, public_id=public_id)
        else:
            image = studio.image_usable_by(viewer=owner, public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        generation = create(owner, image)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _back(request)
    return _follow(generation)


@require_POST
def vary(request: HttpRequest, public_id: str) -> HttpResponseBase:
    return _studio_job(
        request,
        public_id,
        own_only=False,
        create=lambda owner, image: studio.variation_create(
            owner=owner,
            image=image,
            strength=request.POST.get("strength", "subtle"),
            n=_int_or_none(request.POST.get("n")) or 4,
            client_ip=client_ip(request),
        ),
    )


@require_POST
def restyle(request: HttpRequest, public_id: str) -> HttpResponseBase:
    return _studio_job(
        request,
        public_id,
        own_only=True,
        create=lambda owner, image: studio.restyle_create(
            owner=owner,
            image=image,
            prompt=request.POST.get("prompt"),
            style=request.POST.get("style"),
            client_ip=client_ip(request),
        ),
    )


@require_POST
def interpolate(request: HttpRequest, public_id: str) -> HttpResponseBase:
    def create(owner: Any, image: GenerationImage) -> Generation:
        frames = _int_or_none(request.POST.get("frames"))
        if frames is None:
            raise ServiceError(_("Pick how many frames: 2 to 16."), field="frames")
        return studio.interpolation_create(
            owner=owner,
            image=image,
            frames=frames,
            interpolate_seed=_int_or_none(request.POST.get("interpolate_seed")),
            interpolate_prompt=request.POST.get("interpolate_prompt", ""),
            client_ip=client_ip(request),
        )

    return _studio_job(request, public_id, own_only=False, create=create)


@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest) -> HttpResponse:
    """Upload a picture, say what it shows, pick a style: the model inverts it, shows what it
    understood (the reconstruction) and restyles it."""
    if request.method == "POST":
        request.upload_handlers.insert(0, CappedUploadHandler(request))
        return _upload_post(request)
    return _upload_render(request, errors={}, values={})


def _upload_post(request: HttpRequest) -> HttpResponse:
    from django.views.decorators.csrf import csrf_protect

    @csrf_protect
    def checked(request: HttpRequest) -> HttpResponse:
        wait = page_throttle_wait(request, "picture_upload")
        if wait is not None:
            response = HttpResponse(_("Too many uploads. Try again later."), status=429, content_type="text/plain")
            response["Retry-After"] = str(max(1, int(wait + 0.999)))
            return response
        owner = owner_of_request(request, create=True)
        assert owner is not None
        values = {key: request.POST.get(key, "") for key in ("prompt", "model", "style")}
        try:
            upload = studio.upload_store(
                owner=owner,
                stream=cast("BinaryIO | None", request.FILES.get("image")),
                too_large=bool(getattr(request, "upload_too_large", False)),
            )
            try:
                generation = studio.upload_restyle_create(
                    owner=owner,
                    upload=upload,
                    prompt=values["prompt"],
                    model=values["model"] or None,
                    style=values["style"] or None,
                    client_ip=client_ip(request),
                )
            except ServiceError:
                # The page sends the file again with the corrected form: keep no orphan copy.
                studio.upload_delete(upload=upload)
                raise
        except ServiceError as exc:
            return _upload_render(request, errors={exc.field or "detail": exc.message}, values=values, status=400)
        return _follow(generation)

    return checked(request)


def _upload_render(
    request: HttpRequest, *, errors: dict[str, str], values: dict[str, str], status: int = 200
) -> HttpResponse:
    schema = page_schema()
    return render(
        request,
        "generation/upload.html",
        {
            "models": list(selectors.models_enabled()),
            "styles": [(key, style_label(key)) for key in schema["style"]["choices"]],
            "errors": errors,
            "values": values,
        },
        status=status,
    )


# upload_page reads the body itself (after its upload handler is in place) and checks CSRF then.
upload_page.csrf_exempt = True  # type: ignore[attr-defined]


@require_GET
def upload_file(request: HttpRequest, public_id: str) -> HttpResponseBase:
    try:
        upload = studio.upload_owned_by(owner=owner_of_request(request, create=False), public_id=public_id)
    except NotFound as exc:
        raise Http404 from exc
    return serve_stored_file(upload.file.name, content_type="image/png", cache_control=PRIVATE)


def _own_generation(request: HttpRequest, public_id: str) -> Generation:
    generation = selectors.generation_of(owner=owner_of_request(request, create=False), public_id=public_id)
    if generation is None:
        raise Http404
    return generation


@require_GET
def strip_file(request: HttpRequest, public_id: str) -> HttpResponseBase:
    generation = _own_generation(request, public_id)
    return serve_stored_file(generation.strip.name, content_type="image/png", cache_control=PRIVATE)


@require_GET
def animation_file(request: HttpRequest, public_id: str) -> HttpResponseBase:
    generation = _own_generation(request, public_id)
    return serve_stored_file(generation.animation.name, content_type="image/webp", cache_control=PRIVATE)

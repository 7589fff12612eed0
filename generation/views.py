"""Pages and image files for generation. Thin: call selectors/services, render templates."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from generation import downloads, hooks, selectors
from generation.labels import style_label
from generation.models import Generation, GenerationImage
from generation.owners import owner_from, owner_of_request
from generation.schema import page_schema
from instantpainting.authentication import BadToken, file_request_user
from instantpainting.errors import ServiceError
from instantpainting.files import serve_stored_file

# Published images are public too, but a file can turn private again (unpublish): no shared caches.
PRIVATE = "private, max-age=3600"
SIZE_PRESETS = [(512, 512), (768, 512), (512, 768), (1024, 1024)]


def create_page(request: HttpRequest) -> HttpResponse:
    """The create page. `?remix=` style prefill comes in as query parameters (prompt, seed, …).

    Its inputs and its script follow the request schema (generation.schema): the limits in the
    HTML and the fields the script posts come from the engine's one definition.
    """
    schema = page_schema()
    models = list(selectors.models_enabled())
    prefill = {key: request.GET[key] for key in schema if key in request.GET}
    # A guest gets its key now, so the page's websocket is subscribed before the first job; but
    # only a browser that keeps cookies (it sent one back): a cookieless view (a first visit, a
    # crawler) stores no session, and the page's script resubscribes after its first job.
    owner = owner_of_request(request, create=bool(request.COOKIES))
    recent = list(selectors.generations_of(owner=owner)[:6]) if owner else []
    n, candidates = schema["n"], schema["candidates"]
    return render(
        request,
        "generation/create.html",
        {
            "models": models,
            "styles": [(key, style_label(key)) for key in schema["style"]["choices"]],
            "size_presets": SIZE_PRESETS,
            "schema": schema,
            "n_choices": range(n["minimum"], n["maximum"] + 1),
            # Powers of two: more candidates cost time in proportion, so the steps double.
            "candidate_choices": [2**k for k in range(8) if candidates["minimum"] <= 2**k <= candidates["maximum"]],
            "frame_choices": [4, 8, 16],
            "page_config": {
                "schema": schema,
                "variations_api": reverse("api:api-image-variations", args=[hooks.ID_PLACEHOLDER]),
                "placeholder": str(hooks.ID_PLACEHOLDER),
                "follow": request.GET.get("follow", ""),
                "image_actions": hooks.image_actions_for_script(),
                "subscribed": owner is not None,
                "poem_card_url": reverse("generation:poem-card", args=[hooks.ID_PLACEHOLDER]),
                "id_placeholder": str(hooks.ID_PLACEHOLDER),
                # A job still running when the page (re)loads: its panel comes back.
                "resume": next(
                    (
                        {"id": str(g.public_id), "status": g.status, "n": g.n, "width": g.width, "height": g.height}
                        for g in recent
                        if g.is_active
                    ),
                    None,
                ),  # fmt: skip
                "zip_url": reverse("generation:pictures-zip", args=[hooks.ID_PLACEHOLDER]),
            },
            "prefill": prefill,
            "recent": recent,
            "job_list_config": job_list_config(),
            "i18n": _create_page_strings(),
        },
    )


def job_list_config() -> dict[str, object]:
    """What static/js/joblist.js needs to draw live job cards, in the reader's language."""
    strings = _create_page_strings()
    return {
        "api": reverse("api:api-generations"),
        "labels": {value: str(label) for value, label in Generation.Status.choices},
        "stages": {stage: strings[stage] for stage in STAGES},
        "progress": _("Progress"),
        "next_in_line": strings["next_in_line"],
        "position": strings["position"],
        "position_of": strings["position_of"],
        "picture_ready": strings["picture_ready"],
        "view_larger": _("View larger"),
    }


STAGES = ["encoding", "generating", "selecting", "upscaling", "inverting", "saving"]


def _create_page_strings() -> dict[str, str]:
    return {
        "queued": _("Queued"),
        "running": _("Running"),
        "succeeded": str(Generation.Status.SUCCEEDED.label),  # the same word as the status pills
        "failed": _("Failed"),
        "canceled": _("Canceled"),
        "position": _("Position %(p)s in the queue"),
        "position_of": _("Position %(p)s of %(n)s in the queue"),
        "next_in_line": _("Next in line"),
        "picture_ready": _("Picture %(i)s of %(n)s ready"),
        "picture_n": _("Picture %(i)s of %(n)s"),
        "copy_prompt": _("Copy prompt"),
        "copied": _("Copied"),
        "generate_again": _("Generate again"),
        "reuse_seed": _("Reuse seed"),
        "use_settings": _("Use these settings"),
        "download_all": _("Download all (zip)"),
        "as_webp": _("WebP"),
        "as_jpeg": _("JPEG"),
        "encoding": _("Reading your prompt"),
        "generating": _("Painting"),
        "selecting": _("Choosing the best candidate"),
        "upscaling": _("Sharpening to full size"),
        "inverting": _("Finding your picture in the model"),
        "saving": _("Saving"),
        "download": _("Download"),
        "poem_card": _("Poem card"),
        "open": _("Open"),
        "seed": _("seed"),
        "network": _("Network error: check your connection and try again."),
        "vary": _("Variations"),
        "subtle": _("Subtle"),
        "strong": _("Strong"),
        "same_seed": _("Same seed"),
        "new_seed": _("New seed"),
        "animation": _("Animated WebP"),
        "details": _("Details"),
        "slow": _("Too many requests. Try again in %(s)s seconds."),
    }


def history_page(request: HttpRequest) -> HttpResponse:
    owner = owner_of_request(request, create=False)
    rows = selectors.generations_of(owner=owner) if owner else Generation.objects.none()
    page = Paginator(rows, 24).get_page(request.GET.get("page"))
    return render(request, "generation/history.html", {"page": page, "job_list_config": job_list_config()})


def detail_page(request: HttpRequest, public_id: str) -> HttpResponse:
    generation = selectors.generation_of(owner=owner_of_request(request, create=False), public_id=public_id)
    if generation is None:
        raise Http404
    # Settings a job did not use (the studio's, empty ones) are not shown.
    options = {key: value for key, value in generation.options.items() if value not in (None, "", 0, False)}
    create = reverse("generation:create")
    again = settings_params(generation)
    return render(
        request,
        "generation/detail.html",
        {
            "generation": generation,
            "options": options,
            "again_url": f"{create}?{urlencode(again)}",
            "settings_url": f"{create}?{urlencode({**again, 'seed': generation.seed})}",
            "job_list_config": job_list_config(),
        },
    )


def settings_params(generation: Generation) -> dict[str, object]:
    """The create form's fields that make this job again (without its seed: a new one each time)."""
    params: dict[str, object] = {
        "prompt": generation.prompt,
        "model": generation.model.name,
        "width": generation.width,
        "height": generation.height,
        "n": generation.n,
    }
    if generation.style:
        params["style"] = generation.style
    for key in ("negative_prompt", "style_strength", "candidates", "truncation", "poem"):
        if generation.options.get(key) not in (None, ""):
            params[key] = generation.options[key]
    return params


def _image_for(request: HttpRequest, public_id: str) -> GenerationImage:
    """The image, if the caller may see it: its owner by session or API token, or anyone once published.

    Raises BadToken for a wrong token (the caller answers 401)."""
    owner = owner_from(file_request_user(request), request.session, create=False)
    image = GenerationImage.objects.select_related("generation").filter(public_id=public_id).first()
    if image is None or not selectors.image_visible_to(image=image, owner=owner):
        # Someone else's private image is indistinguishable from a missing one.
        raise Http404
    return image


def _bad_token(exc: BadToken) -> HttpResponse:
    response = HttpResponse(str(exc), status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = "Token"
    return response


@require_GET
def image_file(request: HttpRequest, public_id: str) -> HttpResponseBase:
    try:
        image = _image_for(request, public_id)
    except BadToken as exc:
        return _bad_token(exc)
    try:
        fmt = downloads.download_format(request.GET.get("format"))
    except ServiceError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    download = downloads.download_name(image, fmt) if request.GET.get("download") else None
    if fmt == "png":
        return serve_stored_file(
            image.file.name, content_type="image/png", cache_control=PRIVATE, download_name=download
        )
    if not image.file.name or not default_storage.exists(image.file.name):
        raise Http404
    response = HttpResponse(downloads.converted(image, fmt), content_type=downloads.FORMATS[fmt][1])
    response["Cache-Control"] = PRIVATE
    if download:
        response["Content-Disposition"] = f'attachment; filename="{download}"'
    return response


@require_GET
def pictures_zip(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """All pictures of one of the caller's own jobs (by session or API token) as a zip; anyone
    else's job is a 404, a wrong token a 401."""
    try:
        owner = owner_from(file_request_user(request), request.session, create=False)
    except BadToken as exc:
        return _bad_token(exc)
    generation = selectors.generation_of(owner=owner, public_id=public_id)
    if generation is None or not generation.images.exists():
        raise Http404
    response = FileResponse(
        downloads.pictures_zip(generation),
        content_type="application/zip",
        as_attachment=True,
        filename=downloads.zip_name(generation),
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def image_thumb(request: HttpRequest, public_id: str) -> HttpResponseBase:
    try:
        image = _image_for(request, public_id)
    except BadToken as exc:
        return _bad_token(exc)
    return serve_stored_file(image.thumbnail.name, content_type="image/webp", cache_control=PRIVATE)

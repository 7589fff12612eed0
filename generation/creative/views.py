"""The studio's pages: model cards (with the prompt builder), the studio (poem, recipe and
surprise modes) and files: a term's sample picture and a picture's poem card."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from generation import selectors
from generation.engine.request import MAX_PROMPT_CHARS
from generation.labels import category_label
from generation.prompting.poems import POEM_MAX_CHARS
from generation.prompting.recipe import MAX_INGREDIENTS
from generation.views import PRIVATE, _image_for
from instantpainting.errors import ServiceError
from instantpainting.files import serve_stored_file

from . import services

PUBLIC = "public, max-age=86400"


def _lang() -> str:
    return "zh" if (get_language() or "en").lower().startswith("zh") else "en"


def _studio_or_404(name: str | None) -> services.StudioModel:
    try:
        return services.studio_model(name=name)
    except ServiceError as exc:
        raise Http404(exc.message) from exc


@require_GET
def model_list_page(request: HttpRequest) -> HttpResponse:
    cards = []
    for model in selectors.models_enabled():
        try:
            studio = services.studio_model(name=model.name)
        except ServiceError:
            cards.append({"name": model.name, "category": category_label(model.category), "groups": None})
            continue
        card = services.model_card(studio=studio, lang=_lang())
        card["category"] = category_label(card["category"])
        cards.append(card)
    return render(request, "generation/models.html", {"cards": cards})


@require_GET
def model_card_page(request: HttpRequest, name: str) -> HttpResponse:
    studio = _studio_or_404(name)
    card = services.model_card(studio=studio, lang=_lang())
    card["category_label"] = category_label(card["category"])
    return render(
        request,
        "generation/model_card.html",
        {"card": card, "config": {"name": studio.model.name, "max_prompt": MAX_PROMPT_CHARS}},
    )


@require_GET
def model_sample(request: HttpRequest, name: str, group: str, term: str) -> HttpResponseBase:
    studio = _studio_or_404(name)
    path = services.sample_path(studio, group, term)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/webp")
    response["Cache-Control"] = PUBLIC
    return response


@require_GET
def studio_page(request: HttpRequest) -> HttpResponse:
    models = []
    for model in selectors.models_enabled():
        try:
            studio = services.studio_model(name=model.name)
        except ServiceError:
            continue
        voc = studio.vocabulary
        ingredients = [
            {"id": t["id"], "word": (t.get(_lang()) or t["en"])[0]}
            for t in (voc.group("ingredients") or {}).get("terms", [])
        ]
        bases = [
            {"id": t["id"], "word": (t.get(_lang()) or [""])[0] if t["id"] != "none" else ""}
            for t in (voc.group("base") or {}).get("terms", [])
        ]
        rules = voc.compose_rules
        editable = [name for name in (*rules.get("slots", {}), *rules.get("items", [])) if voc.group(name)]
        groups = [
            {
                "name": name,
                "label": voc.group(name)["label"][_lang()],  # type: ignore[index]
                "terms": [
                    {"id": t["id"], "word": (t.get(_lang()) or t.get("en") or [""])[0] or _("none")}
                    for t in voc.group(name)["terms"]  # type: ignore[index]
                ],
            }
            for name in editable
            if not voc.group(name).get("counted")  # type: ignore[union-attr]
        ]
        models.append(
            {
                "name": model.name,
                "groups": groups,
                "category": model.category,
                "label": f"{model.name} · {category_label(model.category)}",
                "recipes": voc.compose_rules.get("recipe") is not None,
                "poems": model.category == "landscape",
                "ingredients": ingredients,
                "bases": bases,
            }
        )
    return render(
        request,
        "generation/studio.html",
        {
            "models": models,
            "config": {
                "models": models,
                "poem_max": POEM_MAX_CHARS,
                "max_ingredients": MAX_INGREDIENTS,
                "lang": _lang(),
            },
            "poem_max": POEM_MAX_CHARS,
            "strings": {
                "network": _("Network error: check your connection and try again."),
                "no_landscape": _("No landscape model is installed."),
                "no_base": _("no base"),
                "count": _("Count"),
                "up": _("Move up"),
                "down": _("Move down"),
                "remove": _("Remove"),
            },
        },
    )


@require_GET
def poem_card_file(request: HttpRequest, public_id: str) -> HttpResponseBase:
    image = _image_for(request, public_id)
    try:
        name = services.poem_card_ensure(image=image)
    except ServiceError as exc:
        raise Http404(exc.message) from exc
    except FileNotFoundError as exc:  # the picture's file is gone from storage
        raise Http404 from exc
    download = f"instantpainting-poem-{image.generation.public_id.hex[:8]}-{image.seed}.png"
    return serve_stored_file(
        name,
        content_type="image/png",
        cache_control=PRIVATE,
        download_name=download if request.GET.get("download") else None,
    )

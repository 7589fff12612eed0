"""The installable app: web manifest, service worker (served from the root, so its scope is the
whole site), the page it shows offline, and the colour theme switch.

The service worker caches only the site's own static files (hashed names, so never stale) and the
offline page. Pages, the API, websockets and pictures always come from the network and are never
stored: they may be private to whoever is signed in on the device. Its cache name is a digest of
what it precaches, so a deploy that changes any of it replaces the old cache.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

THEME_COOKIE = "theme"
THEMES = ("light", "dark")
THEME_COLOR = "#16161d"
PRECACHE_STATIC = (
    "css/site.css",
    "css/gallery.css",
    "js/site.js",
    "img/logo.svg",
    "img/icon-192.png",
    "img/favicon.ico",
)


def theme_of(request: HttpRequest) -> str:
    """The theme the person chose ("light" or "dark"), or "" to follow the system."""
    value = request.COOKIES.get(THEME_COOKIE, "")
    return value if value in THEMES else ""


def theme(request: HttpRequest) -> dict[str, object]:
    """Context processor: <html data-theme> is rendered by the server, so the page never flashes.
    The service worker is offered only without DEBUG, where static names carry a content hash
    (with DEBUG they do not, and a cached file would hide an edit)."""
    return {"theme": theme_of(request), "offer_service_worker": not settings.DEBUG}


@require_POST
def theme_set(request: HttpRequest) -> HttpResponse:
    """The switch without JavaScript (site.js sets the same cookie itself): remember and go back."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("generation:create")
    response = HttpResponseRedirect(target)
    value = request.POST.get("theme", "")
    if value in THEMES:
        response.set_cookie(THEME_COOKIE, value, max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(THEME_COOKIE, samesite="Lax")
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": static("img/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    body = {
        "name": "InstantPainting",
        "short_name": "InstantPainting",
        "description": _("Type a sentence, get a painting in about a second."),
        "lang": request.LANGUAGE_CODE,
        "id": "/",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "background_color": THEME_COLOR,
        "theme_color": THEME_COLOR,
        "icons": icons,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
@cache_control(no_cache=True)
def offline(request: HttpRequest) -> HttpResponse:
    """Standalone on purpose: the service worker stores it, so it holds nothing about the person."""
    return HttpResponse(render_to_string("offline.html", {"LANGUAGE_CODE": request.LANGUAGE_CODE}))


def _precache(offline_url: str) -> tuple[list[str], str]:
    urls = [offline_url, *(static(path) for path in PRECACHE_STATIC)]
    return urls, hashlib.sha256(json.dumps(urls).encode()).hexdigest()[:12]


@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    urls, version = _precache(reverse("offline"))
    context = {"precache_json": json.dumps(urls), "version": version, "offline_url": urls[0]}
    script = render_to_string("sw.js", context)
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")

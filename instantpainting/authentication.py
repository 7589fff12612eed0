"""DRF session authentication that also guards the requests DRF leaves unguarded.

DRF checks CSRF only for a user logged in by session. A guest's POST (no login, often no session
cookie yet: SameSite=Lax keeps it off cross-site posts) went through unchecked, so any website
could make its visitors' browsers create guest jobs here, spending this server's quota and their
address's limits. A browser always sends `Origin` (or at least `Sec-Fetch-Site`) on a cross-origin
POST, so an unsafe request from a guest must come from this site's own origin or a trusted one
(CSRF_TRUSTED_ORIGINS). Scripts and API clients send neither header and stay as they were;
token-authenticated requests never reach this class.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def origin_allowed(request: HttpRequest) -> bool:
    """False for a browser request sent from another site's page (Origin or Sec-Fetch-Site say so)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}
    if origin == "null":  # sandboxed frames, file: pages, privacy redirects
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    return parts.scheme == request.scheme and parts.netloc == request.get_host()


class BadToken(Exception):
    """An `Authorization: Token …` header that names no active user's token."""


def file_request_user(request: HttpRequest) -> Any:
    """Who a plain (non-DRF) file view serves: the user of a valid API token, else the session's.

    API clients fetch their own private images with the same `Authorization: Token …` header they
    use for the API. A wrong or revoked token raises BadToken (the view answers 401), never falls
    back to the session: a client that sent a token meant to be that user.
    """
    try:
        result = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]  # reads only META
    except AuthenticationFailed as exc:
        raise BadToken(str(exc.detail)) from exc
    if result is not None:
        return result[0]
    return getattr(request, "user", None)


class GuardedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)  # enforces CSRF when a user is logged in
        if result is None and request.method not in SAFE_METHODS and not origin_allowed(request._request):
            raise PermissionDenied(_("Cross-site requests are not accepted. Use this site's own pages."))
        return result


class GuardedSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema describes it as the session cookie it is (drf-spectacular knows DRF's own only)."""

    target_class = "instantpainting.authentication.GuardedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}

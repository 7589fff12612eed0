"""Small request helpers every app uses: who is calling from where, and what they want back."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client address. Behind a proxy, set TRUSTED_PROXY_COUNT so X-Forwarded-For is read."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return request.META.get("REMOTE_ADDR") or None


def wants_json(request: HttpRequest) -> bool:
    """True when a page view is called by a script that asked for JSON (Accept header)."""
    return "application/json" in request.headers.get("Accept", "")

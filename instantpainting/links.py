"""Absolute URLs and share-button links (pure functions of a request and a path)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings


def absolute_url(*, request: Any, path: str) -> str:
    """SITE_URL + path when SITE_URL is set (behind a proxy), else the request's own host."""
    if path.startswith(("http://", "https://")):
        return path
    base = (settings.SITE_URL or "").rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path)


def share_targets(*, url: str, text: str) -> dict[str, str]:
    """Web share-intent links for Weibo, X and Facebook."""
    return {
        "weibo": "https://service.weibo.com/share/share.php?" + urlencode({"url": url, "title": text}),
        "x": "https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": text}),
        "facebook": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
    }

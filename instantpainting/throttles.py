"""Rate limits for the gallery and people APIs: per user (or per guest IP) and per IP; the API's
default throttles (THROTTLE_ANON / THROTTLE_USER); the admin login's failure limit.

Counters live in the shared cache (settings.CACHES: Redis in scale-out, the database in the
embedded profile), so every process counts together and a restart forgets nothing.

A view names its scope (`throttle_scope`, or `throttle_scopes` per HTTP method); the rates come
from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] read at request time, so settings (and tests) can
change them. `<scope>` limits one user (a guest counts by IP), `<scope>_ip` limits one address.
DRF answers 429 with a Retry-After header when either runs out.

A cache that cannot be reached (Redis restarting) lets requests through: the Redis cache fails
open (settings.redis_cache), so the rate limits pause for that while and the site does not answer
500 (the job limits count rows in the database, so they hold regardless).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from instantpainting.http import client_ip

DEFAULT_RATES = {
    "gallery_read": "600/min",
    "gallery_read_ip": "1200/min",
    "gallery_write": "60/min",
    "gallery_write_ip": "120/min",
    "gallery_report": "20/hour",
    "gallery_report_ip": "60/hour",
    "comment_write": "10/min",
    "comment_write_ip": "30/min",
    "avatar_upload": "10/hour",
    "avatar_upload_ip": "30/hour",
    "picture_upload": "30/hour",
    "picture_upload_ip": "60/hour",
    "prompt_check": "120/min",
    "prompt_check_ip": "600/min",
    "account_delete": "10/hour",
    "account_delete_ip": "30/hour",
}


def view_scope(view: Any, request: Any) -> str | None:
    per_method = getattr(view, "throttle_scopes", None) or {}
    return per_method.get(request.method) or getattr(view, "throttle_scope", None)


class _ScopedThrottle(SimpleRateThrottle):
    suffix = ""

    def __init__(self) -> None:  # the rate depends on the view, so it is resolved per request
        pass

    def get_rate(self) -> str | None:
        rates = {**DEFAULT_RATES, **settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})}
        try:
            return rates[self.scope or ""]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}") from exc

    def get_ident(self, request: Any) -> str:
        # instantpainting.http.client_ip trusts X-Forwarded-For only behind TRUSTED_PROXY_COUNT proxies.
        return client_ip(request) or "unknown"

    def allow_request(self, request: Any, view: Any) -> bool:
        base = view_scope(view, request)
        if not base:
            return True
        self.scope = base + self.suffix
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class PerUserThrottle(_ScopedThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        ident = f"u{user.pk}" if user is not None and user.is_authenticated else f"ip{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PerIPThrottle(_ScopedThrottle):
    suffix = "_ip"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def page_throttle_wait(request: Any, scope: str) -> float | None:
    """For plain page POSTs: None if allowed, else seconds to wait (same limits as the API)."""
    view = SimpleNamespace(throttle_scope=scope)
    for throttle_class in (PerUserThrottle, PerIPThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(request, view):
            return throttle.wait() or 1.0
    return None


def _configured_rate(scope: str | None) -> str | None:
    # DRF binds its rates to the class at import; read them at request time (settings, tests).
    return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope or "")


class AnonThrottle(AnonRateThrottle):
    """THROTTLE_ANON per client address; DRF's own reads any X-Forwarded-For a client sends."""

    def get_rate(self) -> str | None:
        return _configured_rate(self.scope)

    def get_ident(self, request: Any) -> str:
        return client_ip(request) or "unknown"


class UserThrottle(UserRateThrottle):
    """THROTTLE_USER per user (a guest counts by address, as above)."""

    def get_rate(self) -> str | None:
        return _configured_rate(self.scope)

    def get_ident(self, request: Any) -> str:
        return client_ip(request) or "unknown"


# --- the admin login ------------------------------------------------------------------------


def _login_keys(request: Any, username: str) -> list[tuple[str, int]]:
    limits = settings.ADMIN_LOGIN_FAILURES
    keys = [(f"admin-login:ip:{client_ip(request) or 'unknown'}", limits["ip"])]
    if username:
        keys.append((f"admin-login:user:{username.casefold()}", limits["username"]))
    return keys


def admin_login_blocked(request: Any, username: str) -> bool:
    """True once this address, or anyone trying this username, has failed too often lately."""
    return any((cache.get(key) or 0) >= limit for key, limit in _login_keys(request, username))


def admin_login_failed(request: Any, username: str) -> None:
    window = settings.ADMIN_LOGIN_FAILURES["seconds"]
    for key, _limit in _login_keys(request, username):
        if not cache.add(key, 1, window):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.add(key, 1, window)


def admin_login_succeeded(request: Any, username: str) -> None:
    cache.delete_many([key for key, _limit in _login_keys(request, username)[1:]])

"""Content-Security-Policy on every page (settings.CSP, from the environment; empty: none).

The site's pages load only their own scripts (page data travels in `application/json` blocks,
which a policy does not execute) and style attributes set sizes, hence 'unsafe-inline' for styles
only. The API's documentation pages (Swagger UI, ReDoc) start themselves with inline scripts and
are left out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

EXEMPT_PREFIXES = ("/api/docs/", "/api/redoc/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CSP
        if policy and "Content-Security-Policy" not in response and not request.path.startswith(EXEMPT_PREFIXES):
            header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
            response[header] = policy
        return response

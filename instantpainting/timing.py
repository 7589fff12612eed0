"""`Server-Timing: app;dur=<ms>` on every response when SERVER_TIMING is on (benchmarks read it).

Off by default: response times are a side channel nobody outside needs. The time is the Django
request's own, from this middleware (first in the list) to the response: no network, no ASGI
server queueing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class ServerTimingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.SERVER_TIMING:
            return self.get_response(request)
        start = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
        return response

"""The one service-error base and the one place that turns it into a 4xx response.

Services raise a `ServiceError` (or a subclass that sets `status` and `code`); API views let it
propagate to `api_exception_handler` (set as DRF's EXCEPTION_HANDLER), and page views that answer
scripts call `error_response`. Both shape the body the same way:

- a refused input (status 400 with a `field`): `{field: [message]}`, like a serializer error;
- anything else: `{"detail": message, "code": code}`, plus `Retry-After` when the error has one.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ServiceError(Exception):
    """A request a service refuses; `field` names the input at fault, if one is."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def retry_after(self) -> int | None:
        return None


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Gone(ServiceError):
    status = 410
    code = "gone"


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self._retry_after = max(1, int(retry_after))

    @property
    def retry_after(self) -> int:
        return self._retry_after


def error_body(exc: ServiceError) -> dict[str, Any]:
    if exc.field and exc.status == 400:
        return {exc.field: [exc.message]}
    return {"detail": exc.message, "code": exc.code}


def error_headers(exc: ServiceError) -> dict[str, str]:
    return {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}


def error_response(exc: ServiceError) -> JsonResponse:
    """The JSON answer for a page view called by a script (same body as the API's)."""
    response = JsonResponse(error_body(exc), status=exc.status)
    for name, value in error_headers(exc).items():
        response[name] = value
    return response


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, plus ServiceError → its status and body."""
    if isinstance(exc, ServiceError):
        return Response(error_body(exc), status=exc.status, headers=error_headers(exc))
    return exception_handler(exc, context)

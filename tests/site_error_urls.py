"""The site's URLs plus two views that fail, to see the 403 and 500 pages (tests/test_site_shell.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from instantpainting.urls import urlpatterns as site_urlpatterns


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not yours")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("test-403/", refused), path("test-500/", broken), *site_urlpatterns]

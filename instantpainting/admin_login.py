"""The admin login, with a limit on wrong passwords (Django's own has none; allauth's limits
guard only allauth's login). Counted per address and per username in the shared cache."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from instantpainting.throttles import admin_login_blocked, admin_login_failed, admin_login_succeeded


def admin_login(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return admin.site.login(request)
    username = request.POST.get("username", "")
    if admin_login_blocked(request, username):
        seconds = admin_login_window()
        response = HttpResponse(
            _("Too many failed logins. Try again in %(m)d minutes.") % {"m": max(1, seconds // 60)},
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(seconds)
        return response
    response = admin.site.login(request)
    # A successful login redirects; a refused one renders the form again.
    if response.status_code == 302 and request.user.is_authenticated:
        admin_login_succeeded(request, username)
    else:
        admin_login_failed(request, username)
    return response


def admin_login_window() -> int:
    return int(settings.ADMIN_LOGIN_FAILURES["seconds"])

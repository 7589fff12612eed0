"""The settings page and public avatars. Thin: parse, call a service, render.

A person's public profile (their published works) is the gallery's page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from accounts import selectors, services
from accounts.forms import AvatarForm, DeleteAccountForm, NotificationsForm, ProfileForm
from accounts.models import NotificationKind
from instantpainting.errors import ServiceError
from instantpainting.files import serve_stored_file
from instantpainting.throttles import page_throttle_wait
from instantpainting.uploads import CappedUploadHandler


@require_GET
def avatar_file(request: HttpRequest, username: str) -> HttpResponseBase:
    user = selectors.user_by_username(username=username)
    profile = selectors.profile_of(user=user) if user else None
    if profile is None or not profile.avatar:
        raise Http404
    return serve_stored_file(profile.avatar.name, content_type="image/webp", cache_control="public, max-age=86400")


def _too_many(message: str, *, wait: float) -> HttpResponse:
    response = HttpResponse(message, status=429, content_type="text/plain")
    response["Retry-After"] = str(max(1, int(wait + 0.999)))
    return response


@csrf_exempt
def settings_page(request: HttpRequest) -> HttpResponse:
    # Upload handlers must change before anything reads request.POST (the CSRF check does), so
    # this outer view is csrf_exempt and the inner one enforces CSRF.
    if request.method == "POST":
        request.upload_handlers.insert(0, CappedUploadHandler(request))
    return _settings_page(request)


@csrf_protect
@never_cache
@login_required
def _settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = services.profile_ensure(user=user)
    profile_form = ProfileForm(initial={"display_name": profile.display_name, "bio": profile.bio})
    avatar_form = AvatarForm()
    wanted = [kind for kind in NotificationKind.values if profile.wants_notification(kind)]
    notifications_form = NotificationsForm(initial={"notifications": wanted})
    has_password = selectors.user_has_password(user=user)
    delete_form = DeleteAccountForm(has_password=has_password)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "profile":
            profile_form = ProfileForm(request.POST)
            if profile_form.is_valid():
                try:
                    services.profile_update(user=user, **profile_form.cleaned_data)
                except ServiceError as exc:
                    profile_form.add_error(exc.field, exc.message)
                else:
                    messages.success(request, _("Your profile is saved."))
                    return redirect("accounts:settings")
        elif action == "avatar":
            # Each upload costs a decode and a re-encode: limited per user and per address.
            wait = page_throttle_wait(request, "avatar_upload")
            if wait is not None:
                return _too_many(_("Too many uploads. Try again later."), wait=wait)
            avatar_form = AvatarForm(
                request.POST, request.FILES, upload_too_large=getattr(request, "upload_too_large", False)
            )
            if avatar_form.is_valid():
                try:
                    services.profile_set_avatar(user=user, upload=avatar_form.cleaned_data["avatar"])
                except ServiceError as exc:
                    avatar_form.add_error("avatar", exc.message)
                else:
                    messages.success(request, _("Your avatar is updated."))
                    return redirect("accounts:settings")
        elif action == "avatar_remove":
            services.profile_remove_avatar(user=user)
            messages.success(request, _("Your avatar is removed."))
            return redirect("accounts:settings")
        elif action == "notifications":
            notifications_form = NotificationsForm(request.POST)
            if notifications_form.is_valid():
                services.profile_set_notifications(user=user, wanted=notifications_form.cleaned_data["notifications"])
                messages.success(request, _("Your notification choices are saved."))
                return redirect("accounts:settings")
        elif action == "token":
            services.token_regenerate(user=user)
            messages.success(request, _("A new API token is ready. The old one no longer works."))
            return redirect("accounts:settings")
        elif action == "delete_account":
            # Each try checks the password: limited, like the API's DELETE of the account.
            wait = page_throttle_wait(request, "account_delete")
            if wait is not None:
                return _too_many(_("Too many tries. Try again later."), wait=wait)
            delete_form = DeleteAccountForm(request.POST, has_password=has_password)
            if delete_form.is_valid():
                try:
                    services.account_delete(user=user, password=delete_form.cleaned_data["password"])
                except ServiceError as exc:
                    delete_form.add_error("password", exc.message)
                else:
                    logout(request)
                    messages.success(request, _("Your account and everything in it are deleted."))
                    return redirect("generation:create")
        else:
            messages.error(request, _("Unknown action."))
        status = 400
    profile.refresh_from_db()
    return render(
        request,
        "accounts/settings.html",
        {
            "profile": profile,
            "profile_form": profile_form,
            "avatar_form": avatar_form,
            "notifications_form": notifications_form,
            "delete_form": delete_form,
            "token": selectors.token_of(user=user),
            "max_upload_mb": settings.MAX_UPLOAD_BYTES / (1024 * 1024),
        },
        status=status,
    )

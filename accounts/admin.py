"""Admin for people: profiles with avatars, and ban/unban actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import Profile
from accounts.selectors import user_can_ban
from instantpainting.errors import ServiceError


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["avatar_thumb", "username", "display_name", "bio_excerpt", "is_active", "date_joined"]
    list_filter = ["user__is_active", "user__is_staff"]
    search_fields = ["user__username", "user__email", "display_name", "bio"]
    list_select_related = ["user"]
    readonly_fields = ["user", "avatar_large", "updated_at"]
    fields = ["user", "display_name", "bio", "avatar_large", "updated_at"]
    actions = ["ban", "unban"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a profile is made with its user

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return user_can_ban(user=request.user)

    def _avatar(self, obj: Profile, size: int) -> str:
        url = obj.get_avatar_url()
        if not url:
            return "—"
        return format_html('<img src="{}" alt="" width="{}" height="{}" style="border-radius:50%">', url, size, size)

    @admin.display(description=_("avatar"))
    def avatar_thumb(self, obj: Profile) -> str:
        return self._avatar(obj, 40)

    @admin.display(description=_("avatar"))
    def avatar_large(self, obj: Profile) -> str:
        return self._avatar(obj, 128)

    @admin.display(description=_("username"), ordering="user__username")
    def username(self, obj: Profile) -> str:
        return obj.user.get_username()

    @admin.display(description=_("bio"))
    def bio_excerpt(self, obj: Profile) -> str:
        return Truncator(obj.bio).chars(60)

    @admin.display(description=_("active"), boolean=True, ordering="user__is_active")
    def is_active(self, obj: Profile) -> bool:
        return obj.user.is_active

    @admin.display(description=_("joined"), ordering="user__date_joined")
    def date_joined(self, obj: Profile) -> datetime:
        return obj.user.date_joined

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Profile], action: Callable[..., Any], done_message: str
    ) -> None:
        count = 0
        for profile in queryset.select_related("user"):
            try:
                action(user=profile.user, by=request.user)
                count += 1
            except ServiceError as exc:
                self.message_user(request, f"{profile.user.get_username()}: {exc.message}", messages.WARNING)
        self.message_user(request, done_message % {"n": count})

    @admin.action(description=_("Ban the selected users"), permissions=["ban"])
    def ban(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        self._apply(
            request,
            queryset,
            services.user_ban,
            ngettext("%(n)d user banned.", "%(n)d users banned.", queryset.count()),
        )

    @admin.action(description=_("Unban the selected users"), permissions=["ban"])
    def unban(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        self._apply(
            request,
            queryset,
            services.user_unban,
            ngettext("%(n)d user unbanned.", "%(n)d users unbanned.", queryset.count()),
        )

"""Admin for people: profiles with avatars, ban/unban actions, and deleting users."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
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

User = get_user_model()


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


class UserAdmin(DjangoUserAdmin):
    """Django's user admin, able to delete a person who liked or commented.

    The like and comment admins refuse deletes of their own (the post counts move only through
    the gallery's services), which would make Django refuse deleting any user who has one. When
    the user goes, the gallery counts those posts again (gallery.signals), so a model admin that
    says `deleted_with_user = True` does not block it. The files go through the pre_delete
    receivers of each app, as for a person deleting their own account (accounts.services).
    """

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], list[Any]]:
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        allowed = {
            str(model._meta.verbose_name)
            for model, model_admin in self.admin_site._registry.items()
            if getattr(model_admin, "deleted_with_user", False)
        }
        return to_delete, model_count, {name for name in perms_needed if str(name) not in allowed}, protected


admin.site.unregister(User)
admin.site.register(User, UserAdmin)

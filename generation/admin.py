"""Admin for generation: models (enable/disable), jobs (cancel/requeue), images, the prompt blocklist.

Actions are thin: they call generation.services. Image thumbnails come from a staff-only admin
URL, because the public image views show private pictures to their owners only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from generation import services
from generation.models import BlockedTerm, Generation, GenerationImage, GeneratorModel
from instantpainting.files import serve_stored_file

THUMB_URL_NAME = "generation_generationimage_thumb"


def admin_thumb(image: GenerationImage | None, *, size: int = 64) -> str:
    """An escaped <img> for an image's thumbnail, served by the staff-only admin URL."""
    if image is None:
        return "—"
    try:
        url = reverse(f"admin:{THUMB_URL_NAME}", args=[image.pk])
    except NoReverseMatch:
        return "—"
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" style="object-fit:cover;border-radius:6px" loading="lazy">',
        url,
        size,
        size,
    )


@admin.register(GeneratorModel)
class GeneratorModelAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "native_size", "trained", "enabled", "is_default", "job_count", "registered_at"]
    list_filter = ["enabled", "trained", "category"]
    search_fields = ["name", "description", "category"]
    readonly_fields = ["name", "path", "native_width", "native_height", "trained", "registered_at"]
    fields = [
        "name",
        "category",
        "description",
        "native_width",
        "native_height",
        "trained",
        "enabled",
        "is_default",
        "path",
        "registered_at",
    ]
    actions = ["enable", "disable"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # packages are found on disk at start-up, not typed in

    @admin.display(description=_("native size"))
    def native_size(self, obj: GeneratorModel) -> str:
        return f"{obj.native_width}×{obj.native_height}"

    @admin.display(description=_("jobs"))
    def job_count(self, obj: GeneratorModel) -> int:
        return obj.generations.count()

    @admin.action(description=_("Enable the selected models"), permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[GeneratorModel]) -> None:
        count = queryset.update(enabled=True)
        self.message_user(request, ngettext("%(n)d model enabled.", "%(n)d models enabled.", count) % {"n": count})

    @admin.action(description=_("Disable the selected models"), permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[GeneratorModel]) -> None:
        count = queryset.update(enabled=False, is_default=False)
        self.message_user(request, ngettext("%(n)d model disabled.", "%(n)d models disabled.", count) % {"n": count})


class GenerationImageInline(admin.TabularInline):
    model = GenerationImage
    extra = 0
    can_delete = False
    fields = ["thumb", "index", "seed", "width", "height", "clip_score", "public_id"]
    readonly_fields = ["thumb", "index", "seed", "width", "height", "clip_score", "public_id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("image"))
    def thumb(self, obj: GenerationImage) -> str:
        return admin_thumb(obj, size=96)


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["short_id", "thumb", "prompt_excerpt", "owner", "model", "size", "status", "attempts", "created_at"]
    list_filter = ["status", "model", "style", "created_at"]
    search_fields = ["prompt", "user__username", "user__email", "guest_key", "client_ip", "=public_id"]
    list_select_related = ["user", "model"]
    date_hierarchy = "created_at"
    inlines = [GenerationImageInline]
    actions = ["cancel", "requeue"]
    readonly_fields = [
        "public_id", "user", "guest_key", "client_ip", "status", "prompt", "model", "width", "height", "n", "seed",
        "style", "options", "priority", "position", "stage", "progress", "attempts", "worker", "task_id",
        "cancel_requested", "error", "error_code", "created_at", "started_at", "finished_at", "heartbeat_at",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are created by people and the API, through generation_create

    def get_queryset(self, request: HttpRequest) -> QuerySet[Generation]:
        return super().get_queryset(request).prefetch_related("images")

    @admin.display(description=_("id"), ordering="public_id")
    def short_id(self, obj: Generation) -> str:
        return obj.public_id.hex[:8]

    @admin.display(description=_("image"))
    def thumb(self, obj: Generation) -> str:
        images = list(obj.images.all())
        return admin_thumb(images[0] if images else None)

    @admin.display(description=_("prompt"), ordering="prompt")
    def prompt_excerpt(self, obj: Generation) -> str:
        return Truncator(obj.prompt).chars(60)

    @admin.display(description=_("owner"))
    def owner(self, obj: Generation) -> str:
        return obj.user.get_username() if obj.user is not None else _("guest %(key)s") % {"key": obj.guest_key[:6]}

    @admin.display(description=_("size"))
    def size(self, obj: Generation) -> str:
        return f"{obj.width}×{obj.height}×{obj.n}"

    @admin.action(description=_("Cancel the selected jobs"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        done, skipped = 0, 0
        for generation in queryset:
            try:
                services.generation_cancel(generation=generation)
                done += 1
            except services.GenerationError:
                skipped += 1
        self.message_user(
            request, _("Canceled: %(done)d. Already finished: %(skipped)d.") % {"done": done, "skipped": skipped}
        )

    @admin.action(description=_("Requeue the selected failed or canceled jobs"), permissions=["change"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        done, skipped = 0, 0
        for generation in queryset:
            try:
                services.generation_requeue(generation=generation)
                done += 1
            except services.GenerationError:
                skipped += 1
        level = messages.SUCCESS if not skipped else messages.WARNING
        self.message_user(
            request,
            _("Requeued: %(done)d. Not failed or canceled: %(skipped)d.") % {"done": done, "skipped": skipped},
            level,
        )


@admin.register(GenerationImage)
class GenerationImageAdmin(admin.ModelAdmin):
    list_display = ["thumb", "generation_link", "index", "seed", "size", "clip_score", "published", "created_at"]
    list_filter = ["generation__model", "created_at"]
    search_fields = ["generation__prompt", "=public_id", "generation__user__username"]
    list_select_related = ["generation", "generation__model"]
    readonly_fields = [
        "large_thumb",
        "public_id",
        "generation",
        "index",
        "seed",
        "file",
        "thumbnail",
        "width",
        "height",
        "clip_score",
        "settings",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # images are what the model made; delete, don't edit

    def get_urls(self) -> list[Any]:
        return [
            path("<int:pk>/thumb.webp", self.admin_site.admin_view(self.thumb_view), name=THUMB_URL_NAME),
            *super().get_urls(),
        ]

    def thumb_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        """A thumbnail for staff who may view images (private ones included)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        image = get_object_or_404(GenerationImage, pk=pk)
        return serve_stored_file(image.thumbnail.name, content_type="image/webp", cache_control="private, max-age=600")

    @admin.display(description=_("image"))
    def thumb(self, obj: GenerationImage) -> str:
        return admin_thumb(obj)

    @admin.display(description=_("image"))
    def large_thumb(self, obj: GenerationImage) -> str:
        return admin_thumb(obj, size=256)

    @admin.display(description=_("generation"))
    def generation_link(self, obj: GenerationImage) -> str:
        url = reverse("admin:generation_generation_change", args=[obj.generation_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(obj.generation.prompt).chars(50))

    @admin.display(description=_("size"))
    def size(self, obj: GenerationImage) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description=_("published"), boolean=True)
    def published(self, obj: GenerationImage) -> bool:
        return hasattr(obj, "post")


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "note", "created_at"]
    search_fields = ["term", "note"]
    ordering = ["term"]

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What the "moderators" group may do in the admin (its members also need "staff status").
MODERATOR_PERMISSIONS = [
    ("gallery", "moderate_post"),
    ("gallery", "ban_user"),
    ("gallery", "view_post"),
    ("gallery", "change_post"),
    ("gallery", "delete_post"),
    ("gallery", "view_report"),
    ("gallery", "change_report"),
    ("gallery", "view_like"),
    ("accounts", "view_profile"),
    ("generation", "view_generation"),
    ("generation", "view_generationimage"),
    ("generation", "view_generatormodel"),
    ("generation", "view_blockedterm"),
    ("generation", "add_blockedterm"),
    ("generation", "change_blockedterm"),
    ("generation", "delete_blockedterm"),
]


def ensure_moderators_group(**kwargs: Any) -> None:
    """Create the "moderators" group once, with MODERATOR_PERMISSIONS (admins may edit it later)."""
    from django.contrib.auth.models import Group, Permission

    from accounts.selectors import MODERATORS_GROUP

    using = kwargs.get("using", "default")
    group, created = Group.objects.using(using).get_or_create(name=MODERATORS_GROUP)
    if not created and group.permissions.exists():
        return
    wanted = Permission.objects.using(using).none()
    for app_label, codename in MODERATOR_PERMISSIONS:
        wanted |= Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*wanted)


class GalleryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gallery"
    verbose_name = _("Gallery")

    def ready(self) -> None:
        # Sent after this app's permissions exist; gallery comes after accounts and generation in
        # INSTALLED_APPS, so theirs exist too.
        post_migrate.connect(ensure_moderators_group, sender=self, dispatch_uid="gallery.ensure_moderators_group")
        # What generation asks without knowing the gallery: is an image public, where is its post, and
        # how is it published.
        from gallery.selectors import image_is_published, image_post_path
        from generation import hooks

        hooks.register_image_visibility(image_is_published)
        hooks.register_image_page(image_post_path)
        hooks.register_image_action(
            hooks.ImageAction(label=_("Publish"), url_name="gallery:publish", template="gallery/_publish_action.html")
        )
        from gallery import signals  # noqa: F401  (connects the receivers)

"""Signal receivers for people (connected in AccountsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from accounts import services
from accounts.models import Profile
from instantpainting.files import delete_stored_files_on_commit


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.create_profile")
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        services.profile_ensure(user=instance)


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="accounts.delete_avatar")
def delete_avatar(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted person's avatar leaves the storage with their profile (generation and gallery
    remove the rest of their files the same way)."""
    delete_stored_files_on_commit(list(Profile.objects.filter(user=instance).values_list("avatar", flat=True)))

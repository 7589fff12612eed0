"""Signal receivers for people (connected in AccountsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import services


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.create_profile")
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        services.profile_ensure(user=instance)

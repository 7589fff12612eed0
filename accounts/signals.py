"""Signal receivers for people (connected in AccountsConfig.ready)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import services
from generation.owners import GUEST_SESSION_KEY

logger = logging.getLogger(__name__)


@receiver(user_logged_in, dispatch_uid="accounts.adopt_guest_generations")
def adopt_guest_generations(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A guest who signs up or logs in keeps what they made: Django keeps session data across login."""
    session = getattr(request, "session", None)
    if session is None:
        return
    guest_key = session.get(GUEST_SESSION_KEY, "")
    if not guest_key:
        return
    moved = services.generations_adopt_guest(user=user, guest_key=guest_key)
    session.pop(GUEST_SESSION_KEY, None)
    if moved:
        logger.info("moved %d guest generations to user %s", moved, user.pk)


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.create_profile")
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        services.profile_ensure(user=instance)

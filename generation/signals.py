"""Signal receivers for generation jobs (connected in GenerationConfig.ready)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from generation import events, selectors, services
from generation.owners import GUEST_SESSION_KEY, Owner
from instantpainting.files import delete_stored_files_on_commit

logger = logging.getLogger(__name__)


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="generation.delete_user_files")
def delete_user_files(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted person's pictures, strips, animations, poem cards and uploads leave the storage
    with their rows (the rows go by CASCADE). Every way of deleting a user passes here: the
    account page, the API, the admin's delete page and its bulk action."""
    delete_stored_files_on_commit(selectors.stored_names_of(user=instance))
    group = Owner(user_id=instance.pk).group
    transaction.on_commit(lambda: events.publish(group, {"type": events.ACCOUNT_DELETED}))


@receiver(user_logged_in, dispatch_uid="generation.adopt_guest_generations")
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

"""Signal receivers for generation jobs (connected in GenerationConfig.ready)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from generation import services
from generation.owners import GUEST_SESSION_KEY

logger = logging.getLogger(__name__)


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

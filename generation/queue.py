"""The queue as owners see it: each queued job's position, pushed when it changes.

A change at the head moves every job behind it, so publishing per change sent events in
proportion to the square of the queue. Instead a change only asks for an update; each process
computes positions at most once per QUEUE_TICK_SECONDS (a timer thread) and sends each owner
one `generation.queued` event listing all of its jobs that moved (docs/architecture.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection

from generation import events
from generation.models import Generation
from generation.owners import Owner

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pending: threading.Timer | None = None
_last_run = 0.0


def queue_publish_positions() -> None:
    """Have the queue's positions published: at once with QUEUE_TICK_SECONDS = 0, else within one
    tick, once for all the changes asked for meanwhile."""
    global _pending
    tick = settings.QUEUE_TICK_SECONDS
    if tick <= 0:
        queue_publish_positions_now()
        return
    with _lock:
        if _pending is not None:
            return
        delay = max(0.0, _last_run + tick - time.monotonic())
        _pending = threading.Timer(delay, _tick)
        _pending.daemon = True
        _pending.start()


def _tick() -> None:
    global _pending, _last_run
    with _lock:
        _pending = None
        _last_run = time.monotonic()
    try:
        queue_publish_positions_now()
    except Exception:  # positions are best effort, like every event
        logger.warning("could not publish queue positions", exc_info=True)
    finally:
        connection.close()  # this timer thread's own connection (back to the pool)


def queue_publish_positions_now() -> None:
    """Recompute queue positions; send each owner whose jobs moved one event listing them."""
    queued = list(
        Generation.objects.filter(status=Generation.Status.QUEUED)
        .order_by("-priority", "created_at", "id")
        .values("id", "public_id", "user_id", "guest_key", "position")
    )
    total = len(queued)
    moved: dict[Owner, list[dict[str, Any]]] = defaultdict(list)
    for position, row in enumerate(queued, start=1):
        if row["position"] == position:
            continue
        if Generation.objects.filter(pk=row["id"], status=Generation.Status.QUEUED).update(position=position):
            owner = Owner(user_id=row["user_id"]) if row["user_id"] else Owner(guest_key=row["guest_key"])
            moved[owner].append({"id": str(row["public_id"]), "position": position})
    for owner, jobs in moved.items():
        # `id` and `position` repeat the first job, for clients that follow a single job.
        events.publish(
            owner.group,
            {"type": "generation.queued", **jobs[0], "queue_length": total, "jobs": jobs},
        )

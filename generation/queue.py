"""The queue as owners see it: each queued job's position, pushed when it changes."""

from __future__ import annotations

from generation import events
from generation.models import Generation
from generation.owners import Owner


def queue_publish_positions() -> None:
    """Recompute queue positions and push a `generation.queued` event to each job whose changed."""
    queued = list(
        Generation.objects.filter(status=Generation.Status.QUEUED)
        .order_by("-priority", "created_at", "id")
        .values("id", "public_id", "user_id", "guest_key", "position")
    )
    total = len(queued)
    for position, row in enumerate(queued, start=1):
        if row["position"] == position:
            continue
        if Generation.objects.filter(pk=row["id"], status=Generation.Status.QUEUED).update(position=position):
            owner = Owner(user_id=row["user_id"]) if row["user_id"] else Owner(guest_key=row["guest_key"])
            events.publish(
                owner.group,
                {
                    "type": "generation.queued",
                    "id": str(row["public_id"]),
                    "position": position,
                    "queue_length": total,
                },
            )

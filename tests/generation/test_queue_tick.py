"""Queue positions: one event per owner per update, and one update per tick however many changes."""

from __future__ import annotations

import time
from unittest import mock

import pytest

from generation import queue, services
from generation.models import Generation
from generation.owners import Owner


@pytest.mark.django_db
def test_an_owner_gets_one_event_listing_every_job_that_moved(hamlet, othello, tiny_model):
    def make(user):
        return services.generation_create(
            owner=Owner(user_id=user.pk), spec=services.GenerationSpec(prompt="p", width=256, height=256)
        )

    first = make(othello)
    mine = [make(hamlet) for _ in range(3)]
    with mock.patch.object(queue.events, "publish") as publish:
        services.generation_cancel(generation=first)  # everyone behind othello's job moves up
    queued_events = [c.args for c in publish.call_args_list if c.args[1]["type"] == "generation.queued"]
    assert len(queued_events) == 1
    group, event = queued_events[0]
    assert group == Owner(user_id=hamlet.pk).group
    assert event["jobs"] == [{"id": str(g.public_id), "position": i} for i, g in enumerate(mine, start=1)]
    assert (event["id"], event["position"], event["queue_length"]) == (str(mine[0].public_id), 1, 3)
    assert list(Generation.objects.filter(status="queued").order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_a_burst_of_changes_is_at_most_one_update_per_tick(settings):
    settings.QUEUE_TICK_SECONDS = 0.3
    runs: list[float] = []
    with (
        mock.patch.object(queue, "queue_publish_positions_now", side_effect=lambda: runs.append(time.monotonic())),
        mock.patch.object(queue, "connection"),
    ):
        start = time.monotonic()
        while time.monotonic() - start < 1.0:  # a change every millisecond for a second
            queue.queue_publish_positions()
            time.sleep(0.001)
        time.sleep(0.8)
    assert 2 <= len(runs) <= 5  # not one per change (about a thousand)
    assert all(b - a >= 0.29 for a, b in zip(runs, runs[1:], strict=False))
    assert runs[-1] >= start + 1.0 - 0.01  # the last change was published too

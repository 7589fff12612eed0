"""Liveness: running jobs beat a heartbeat; any worker's reaper retries the jobs of a dead one."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from generation import events
from generation.models import Generation
from generation.owners import owner_of_generation
from generation.queue import queue_publish_positions
from generation.tasks import generation_enqueue
from generation.worker import jobs

logger = logging.getLogger(__name__)


def generation_heartbeat(*, worker_id: str, generation_ids: set[int]) -> None:
    if generation_ids:
        Generation.objects.filter(pk__in=generation_ids, worker=worker_id, status=Generation.Status.RUNNING).update(
            heartbeat_at=timezone.now()
        )


def generation_reap_stale() -> int:
    """Retry (or fail, after the last attempt) running jobs whose worker stopped beating.

    Safe to run from every worker at once: each row moves only by a conditional update.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    reaped = 0
    stale = Generation.objects.filter(status=Generation.Status.RUNNING, heartbeat_at__lt=cutoff)
    for generation in stale:
        same = Generation.objects.filter(
            pk=generation.pk,
            status=Generation.Status.RUNNING,
            worker=generation.worker,
            heartbeat_at=generation.heartbeat_at,
        )
        reason = _("The worker running this job stopped responding.")
        owner = owner_of_generation(generation)
        with transaction.atomic():
            if generation.attempts >= settings.GENERATION_MAX_ATTEMPTS:
                moved = same.update(
                    status=Generation.Status.FAILED,
                    finished_at=timezone.now(),
                    error=_("%(reason)s Gave up after %(n)d attempts.") % {"reason": reason, "n": generation.attempts},
                    error_code="worker_lost",
                )
            else:
                moved = same.update(
                    status=Generation.Status.QUEUED,
                    worker="",
                    stage="",
                    progress=0.0,
                    error=reason,
                    error_code="worker_lost",
                )
                if moved:
                    generation_enqueue(generation)
            if moved and generation.task_id:
                # The dead worker's task row would otherwise stay RUNNING forever.
                DBTaskResult.objects.filter(id=generation.task_id, status="RUNNING").update(
                    status="FAILED", finished_at=timezone.now()
                )
        if moved:
            reaped += 1
            generation.refresh_from_db()
            if generation.status == Generation.Status.FAILED:
                events.publish(
                    owner.group,
                    {
                        "type": "generation.failed",
                        "id": str(generation.public_id),
                        "error": generation.error,
                        "code": "worker_lost",
                    },
                )
    if reaped:
        queue_publish_positions()
    return reaped


class Heartbeat(threading.Thread):
    """Keeps this process's running jobs fresh and reaps jobs of workers that died."""

    def __init__(self, worker_id: str, stop: threading.Event) -> None:
        super().__init__(name="generation-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stop = stop

    def run(self) -> None:
        while not self.stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
            try:
                generation_heartbeat(worker_id=self.worker_id, generation_ids=set(jobs.running))
                generation_reap_stale()
            except Exception:
                logger.exception("heartbeat failed")
            finally:
                close_old_connections()

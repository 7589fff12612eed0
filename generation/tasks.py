"""The queue's entry point for jobs, and how a job is put on the queue (tasks take ids, never objects)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskContext

from generation.models import Generation
from generation.worker import jobs
from generation.worker.identity import worker_id_for


@task(queue_name="gpu", takes_context=True)
def run_generation(context: TaskContext, generation_id: int) -> str:
    """Runs in a worker process (generation.worker.loop)."""
    return jobs.generation_run(
        generation_id=generation_id, worker_id=worker_id_for(context), requeue=generation_enqueue
    )


def generation_enqueue(generation: Generation, *, delay: float = 0) -> None:
    """Put the job's task on the queue. Call inside the transaction that wrote the row."""
    queued = run_generation.using(priority=max(-100, min(100, generation.priority)))
    if delay:
        queued = queued.using(run_after=timezone.now() + timedelta(seconds=delay))
    result = queued.enqueue(generation_id=generation.pk)
    Generation.objects.filter(pk=generation.pk).update(task_id=str(result.id))

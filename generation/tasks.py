"""Queue entry points: thin shells over services (tasks take ids, never objects)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="gpu", takes_context=True)
def run_generation(context, generation_id: int) -> str:  # noqa: ANN001 - TaskContext
    from generation import runtime, services

    return services.generation_run(generation_id=generation_id, worker_id=runtime.worker_id_for(context))

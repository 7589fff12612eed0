from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(db):
    return APIClient()


@pytest.fixture
def hamlet_api(hamlet):
    client = APIClient()
    client.force_login(hamlet)
    return client


@pytest.fixture
def othello_api(othello):
    client = APIClient()
    client.force_login(othello)
    return client


@pytest.fixture
def run_queue(db):
    """Run ready generation tasks in this process, as a worker does, until none is left.

    Uses the worker's own claim and run steps; its loop would close the test's connection.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["gpu"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def run() -> int:
        count = 0
        while (result := DBTaskResult.objects.ready().filter(queue_name="gpu").get_locked()) is not None:
            result.claim("test-worker")
            worker.run_task(result)
            count += 1
        return count

    return run


def job(**overrides):
    return {"prompt": "a red sun over a calm sea", "width": 256, "height": 256, "n": 1, "seed": 7, **overrides}

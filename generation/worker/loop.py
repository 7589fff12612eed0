"""The queue loop: django_tasks_db's worker plus this process's heartbeat.

Embedded profile: `start_in_process_worker()` runs it in threads of the web server.
Scale-out: `manage.py generation_worker` runs it in its own process (one per GPU).
"""

from __future__ import annotations

import logging
import sys
import threading

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from generation.queue import queue_publish_positions
from generation.services import models_register_from_disk
from generation.worker.engines import warm_models
from generation.worker.identity import make_worker_id
from generation.worker.liveness import Heartbeat

logger = logging.getLogger(__name__)

_started: threading.Event = threading.Event()


def run_worker(*, worker_id: str, stop: threading.Event, queues: list[str] | None = None) -> None:
    """The queue loop (django_tasks_db's worker) plus a heartbeat; returns when `stop` is set."""
    worker = Worker(
        queue_names=queues or ["gpu"],
        interval=settings.WORKER_POLL_SECONDS,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    Heartbeat(worker_id, stop).start()

    def watch_stop() -> None:
        stop.wait()
        worker.running = False

    threading.Thread(target=watch_stop, name="generation-worker-stop", daemon=True).start()
    try:
        worker.run()
    finally:
        close_old_connections()


def start_in_process_worker() -> bool:
    """Start the embedded worker threads once per process (embedded profile only)."""
    if not settings.WORKER_IN_PROCESS or _started.is_set():
        return False
    _started.set()
    # The worker thread and the server's event loop share one GIL; a shorter switch interval lets
    # the loop deliver socket events promptly while a forward pass runs Python between kernels.
    sys.setswitchinterval(0.001)
    stop = threading.Event()

    def main() -> None:
        try:
            models_register_from_disk()
            warmed = warm_models()
            logger.info("in-process worker ready; models: %s", ", ".join(warmed) or "none")
            queue_publish_positions()
        except Exception:
            logger.exception("in-process worker could not warm up")
        finally:
            close_old_connections()
        run_worker(worker_id=make_worker_id("embedded"), stop=stop)

    threading.Thread(target=main, name="generation-worker", daemon=True).start()
    return True

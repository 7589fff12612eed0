"""The worker side of a process: the per-process engine cache, the queue loop and the heartbeat.

Embedded profile: `start_in_process_worker()` runs all of this in threads of the web server.
Scale-out: `manage.py generation_worker` runs it in its own process (one per GPU).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()
# Generations this process is running right now, kept alive by the heartbeat thread.
current_jobs: set[int] = set()
_started: threading.Event = threading.Event()


def engine_for(model: Any) -> Any:
    """The loaded engine for a GeneratorModel; loaded once per process, then reused."""
    from generation.engine import Engine

    key = f"{model.name}:{model.path}"
    engine = _engines.get(key)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                logger.info("loading model %s from %s", model.name, model.path)
                engine = Engine.load(model.path, device=settings.ENGINE_DEVICE)
                _engines[key] = engine
    return engine


def warm_models() -> list[str]:
    """Load every enabled model now, so the first job does not pay the load."""
    from generation.selectors import models_enabled

    names = []
    for model in models_enabled():
        try:
            engine_for(model)
            names.append(model.name)
        except Exception:
            logger.exception("could not load model %s", model.name)
    return names


def make_worker_id(prefix: str = "w") -> str:
    return f"{prefix}-{socket.gethostname()[:30]}-{os.getpid()}-{threading.get_ident() % 10000}"[:64]


def public_worker_name(worker_id: str) -> str:
    """An opaque label for clients: no host names or pids leave the server."""
    import hashlib

    return hashlib.sha256(worker_id.encode()).hexdigest()[:8]


def worker_id_for(context: Any) -> str:
    ids = getattr(getattr(context, "task_result", None), "worker_ids", None) or []
    return ids[-1] if ids else make_worker_id()


class Heartbeat(threading.Thread):
    """Keeps this process's running jobs fresh and reaps jobs of workers that died."""

    def __init__(self, worker_id: str, stop: threading.Event) -> None:
        super().__init__(name="generation-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stop = stop

    def run(self) -> None:
        from generation import services

        while not self.stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
            try:
                services.generation_heartbeat(worker_id=self.worker_id, generation_ids=set(current_jobs))
                services.generation_reap_stale()
            except Exception:
                logger.exception("heartbeat failed")
            finally:
                close_old_connections()


def run_worker(*, worker_id: str, stop: threading.Event, queues: list[str] | None = None) -> None:
    """The queue loop (django_tasks_db's worker) plus a heartbeat; returns when `stop` is set."""
    from django_tasks_db.management.commands.db_worker import Worker

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
        from generation.services import models_register_from_disk, queue_publish_positions

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

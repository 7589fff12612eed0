"""Who a worker is: an id unique per process and thread, and the opaque label clients are shown."""

from __future__ import annotations

import hashlib
import os
import socket
import threading

from django_tasks.base import TaskContext


def make_worker_id(prefix: str = "w") -> str:
    return f"{prefix}-{socket.gethostname()[:30]}-{os.getpid()}-{threading.get_ident() % 10000}"[:64]


def public_worker_name(worker_id: str) -> str:
    """An opaque label for clients: no host names or pids leave the server."""
    return hashlib.sha256(worker_id.encode()).hexdigest()[:8]


def worker_id_for(context: TaskContext) -> str:
    """The id of the queue worker running this task (the last one to claim it)."""
    ids = context.task_result.worker_ids
    return ids[-1] if ids else make_worker_id()

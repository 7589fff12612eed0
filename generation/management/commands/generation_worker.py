"""A scale-out worker: warm the model cache, then run the generation queue loop.

Run one per GPU (CUDA_VISIBLE_DEVICES=i), on any number of hosts, against PostgreSQL.
SIGTERM/SIGINT finish the current job and exit; a second signal aborts it.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandParser

from generation.services import models_register_from_disk
from generation.worker.engines import warm_models
from generation.worker.identity import make_worker_id
from generation.worker.loop import run_worker


class Command(BaseCommand):
    help = "Warm the model cache, then process generation jobs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-id", default="", help="unique id (default: host-pid)")
        parser.add_argument("--queues", default="gpu", help="comma-separated queue names")
        parser.add_argument("--no-register", action="store_true", help="don't scan MODELS_DIR at start")

    def handle(self, *args: object, worker_id: str, queues: str, no_register: bool, **options: object) -> None:
        if not no_register:
            models_register_from_disk()
        warmed = warm_models()
        worker_id = worker_id or make_worker_id("gpu")
        self.stdout.write(f"worker {worker_id} ready; models loaded: {', '.join(warmed) or 'none'}", ending="\n")
        self.stdout.flush()
        stop = threading.Event()
        signals = {"count": 0}

        def on_signal(signum: int, frame: object) -> None:
            signals["count"] += 1
            if signals["count"] > 1:
                raise SystemExit(1)
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        run_worker(worker_id=worker_id, stop=stop, queues=queues.split(","))

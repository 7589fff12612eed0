"""ASGI entry point: HTTP through Django, websockets through Channels.

In the embedded profile (WORKER_IN_PROCESS) the generation worker starts here, inside the web
server process, so `make run` is one process.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instantpainting.settings")
django_asgi_app = get_asgi_application()

from generation.worker.loop import start_in_process_worker  # noqa: E402
from instantpainting.routing import build_application  # noqa: E402

application = build_application(django_asgi_app)
start_in_process_worker()

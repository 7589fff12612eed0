"""The ASGI application without side effects (tests build it; asgi.py also starts the worker)."""

from __future__ import annotations

import asyncio

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIHandler

from generation import events
from generation.routing import websocket_urlpatterns


class RememberLoop:
    """Records the server's event loop so worker threads can reach the in-memory channel layer."""

    def __init__(self, app: ProtocolTypeRouter) -> None:
        self.app = app
        self.seen = False

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if not self.seen:
            self.seen = True
            loop = asyncio.get_running_loop()
            events.remember_server_loop(loop)
            if loop.get_exception_handler() is None:
                loop.set_exception_handler(events.quiet_layer_outages)
        await self.app(scope, receive, send)


def build_application(http_app: ASGIHandler | None = None) -> RememberLoop:
    websocket = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
    return RememberLoop(ProtocolTypeRouter({"http": http_app or get_asgi_application(), "websocket": websocket}))

"""The owner-only job event socket (docs/architecture.md, "Websocket events")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from generation import events
from generation.owners import owner_from

# Clients have nothing to say on this socket; a frame longer than this is not even parsed.
MAX_FRAME_CHARS = 4096
logger = logging.getLogger(__name__)


class GenerationConsumer(AsyncJsonWebsocketConsumer):
    """Joins the group of the connecting user or guest; relays only that owner's job events.

    Clients send nothing (a frame that is not JSON text gets an `error` event). A guest without a session key has no jobs, so it gets an empty socket.
    """

    group: str | None = None
    closed = False  # this side sent the close

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' dispatch loop also reads the layer: while Redis is away that read fails, and
        the server would log it as a crash with a traceback for every socket. It is an outage,
        not a bug: one line in the log, and the socket closes with 4011 (the page reconnects)."""
        try:
            await super().__call__(scope, receive, send)
        except events.LAYER_DOWN as e:
            if not self.closed:
                logger.warning("job socket closed: channel layer unreachable (%s)", e)
                await self.close(code=events.CLOSE_LAYER_DOWN)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        self.closed = True
        await super().close(code=code, reason=reason)

    async def connect(self) -> None:
        events.remember_server_loop(asyncio.get_running_loop())
        owner = await database_sync_to_async(self._owner)()
        await self.accept()
        if owner is not None:
            try:
                await self.channel_layer.group_add(owner.group, self.channel_name)
            except events.LAYER_DOWN as e:
                logger.warning("job socket closed: cannot join its group, channel layer unreachable (%s)", e)
                await self.close(code=events.CLOSE_LAYER_DOWN)
                return
            self.group = owner.group

    def _owner(self) -> Any:
        session = self.scope.get("session")
        return owner_from(self.scope.get("user"), session if session is not None else {}, create=False)

    async def disconnect(self, code: int) -> None:
        if self.group:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except events.LAYER_DOWN:
                pass  # the group's entry expires by itself (group_expiry) once Redis is back

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """The socket is one-way: a JSON frame is ignored (someone else's job id included); anything
        else gets an `error` event and the socket stays open (a bad frame used to close it with 1011)."""
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self.send_json({"type": "error", "code": "bad_frame", "detail": "Frames must be JSON text."})
            return
        try:
            await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self.send_json({"type": "error", "code": "bad_frame", "detail": "Frames must be JSON text."})

    async def job_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
        if message["event"].get("type") == events.ACCOUNT_DELETED:
            # The person is gone: their other tabs stop listening (they reconnect as guests).
            await self.disconnect(events.CLOSE_ACCOUNT_DELETED)
            self.group = None
            await self.close(code=events.CLOSE_ACCOUNT_DELETED)

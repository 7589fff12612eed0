"""The owner-only job event socket (docs/architecture.md, "Websocket events")."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from generation import events
from generation.owners import owner_from


class GenerationConsumer(AsyncJsonWebsocketConsumer):
    """Joins the group of the connecting user or guest; relays only that owner's job events.

    Clients send nothing. A guest without a session key has no jobs, so it gets an empty socket.
    """

    group: str | None = None

    async def connect(self) -> None:
        events.remember_server_loop(asyncio.get_running_loop())
        owner = await database_sync_to_async(self._owner)()
        await self.accept()
        if owner is not None:
            self.group = owner.group
            await self.channel_layer.group_add(self.group, self.channel_name)

    def _owner(self) -> Any:
        session = self.scope.get("session")
        return owner_from(self.scope.get("user"), session if session is not None else {}, create=False)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The socket is one-way; anything a client sends (someone else's job id included) is ignored.
        return

    async def job_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

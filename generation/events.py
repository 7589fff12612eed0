"""Push job events to their owner's websocket group (docs/architecture.md, "Websocket events").

Events are best effort: the Generation row is the source of truth and the REST endpoint reads it,
so a lost event costs a client nothing but a poll.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

# What a channel layer raises while its Redis is away: one line in the log each, not a traceback
# (a restart of Redis would otherwise print one per socket and per event).
LAYER_DOWN = (RedisError, OSError, TimeoutError)

logger = logging.getLogger(__name__)

_loop_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None


# Sent to a person's sockets once their account is deleted; the socket then closes with this code.
ACCOUNT_DELETED = "account.deleted"
CLOSE_ACCOUNT_DELETED = 4001
# The channel layer (Redis) cannot be reached: the socket closes with this code and the page opens
# it again with backoff. (1011 would say the same, but Daphne refuses to send it: a server's close
# code must be 1000 or 3000-4999.)
CLOSE_LAYER_DOWN = 4011


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called from the ASGI app: the in-memory layer must be used from the loop that serves sockets."""
    global _server_loop
    with _loop_lock:
        _server_loop = loop


def publish(group: str, message: dict[str, Any]) -> None:
    """Send `message` (with `type` like 'generation.progress') to every socket in `group`."""
    layer = get_channel_layer()
    if layer is None:
        return
    # `ts` (server clock, seconds) lets clients and the platform benchmark measure delivery delay.
    payload = {"type": "job.event", "event": {**message, "ts": round(time.time(), 4)}}
    loop = _server_loop
    try:
        # The in-memory layer's queues belong to the server's event loop; a worker thread in the
        # same process must hand the send to that loop (asyncio queues are not thread-safe).
        if loop is not None and loop.is_running() and _is_in_memory(layer):
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.create_task(layer.group_send(group, payload))
            else:
                asyncio.run_coroutine_threadsafe(layer.group_send(group, payload), loop).result(timeout=5)
        elif _is_in_memory(layer) and loop is None:
            # No server in this process yet, so no socket can be listening.
            return
        else:
            async_to_sync(layer.group_send)(group, payload)
    except LAYER_DOWN as e:  # events never break a job; the API stays the source of truth
        logger.warning("could not publish %s to %s: channel layer unreachable (%s)", message.get("type"), group, e)
    except Exception:
        logger.warning("could not publish %s to %s", message.get("type"), group, exc_info=True)


def quiet_layer_outages(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An event loop exception handler: a background task of the channel layer that failed because
    Redis is away (channels_redis cleans up after each read in one) is one line in the log, not
    a traceback; anything else goes to asyncio's own handler."""
    error = context.get("exception")
    if isinstance(error, LAYER_DOWN):
        logger.warning("channel layer unreachable in a background task (%s)", error)
        return
    loop.default_exception_handler(context)


def _is_in_memory(layer: Any) -> bool:
    from channels.layers import InMemoryChannelLayer

    return isinstance(layer, InMemoryChannelLayer)

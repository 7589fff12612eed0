"""The job socket: owners get their own events and nothing else; origins are checked."""

from __future__ import annotations

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from generation import events
from generation.owners import GUEST_SESSION_KEY, Owner
from instantpainting.routing import build_application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = (b"origin", b"http://127.0.0.1")


@sync_to_async
def session_cookie_for(user=None, guest_key: str | None = None) -> bytes:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = SessionStore()
    if user is not None:
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if guest_key:
        session[GUEST_SESSION_KEY] = guest_key
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


async def connect(cookie: bytes | None, origin: tuple[bytes, bytes] = ORIGIN) -> WebsocketCommunicator:
    headers = [origin]
    if cookie:
        headers.append((b"cookie", cookie))
    comm = WebsocketCommunicator(build_application(), "/ws/generations/", headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    return comm


def event(gid: str, kind: str = "generation.progress") -> dict:
    return {"type": kind, "id": gid, "stage": "generating", "fraction": 0.5}


async def publish(owner: Owner, message: dict) -> None:
    await sync_to_async(events.publish)(owner.group, message)


@pytest.fixture
def users(django_user_model):
    @sync_to_async
    def make():
        return (
            django_user_model.objects.create_user("hamlet", password="x-pass-12345"),
            django_user_model.objects.create_user("othello", password="x-pass-12345"),
        )

    return make


async def test_owner_receives_own_events_and_others_receive_nothing(users):
    hamlet, othello = await users()
    hamlet_ws = await connect(await session_cookie_for(hamlet))
    othello_ws = await connect(await session_cookie_for(othello))
    await publish(Owner(user_id=hamlet.pk), event("job-of-hamlet"))
    got = await hamlet_ws.receive_json_from(timeout=3)
    assert got.pop("ts") > 0
    assert got == event("job-of-hamlet")
    assert await othello_ws.receive_nothing(timeout=0.3)
    await hamlet_ws.disconnect()
    await othello_ws.disconnect()


async def test_asking_for_someone_elses_job_id_gets_nothing(users):
    hamlet, othello = await users()
    othello_ws = await connect(await session_cookie_for(othello))
    await othello_ws.send_json_to({"subscribe": "job-of-hamlet", "id": "job-of-hamlet"})
    await publish(Owner(user_id=hamlet.pk), event("job-of-hamlet", "generation.succeeded"))
    assert await othello_ws.receive_nothing(timeout=0.3)
    await othello_ws.disconnect()


async def test_guests_are_isolated_from_each_other_and_from_users(users):
    hamlet, _ = await users()
    alice = await connect(await session_cookie_for(guest_key="a" * 32))
    bob = await connect(await session_cookie_for(guest_key="b" * 32))
    anonymous = await connect(None)
    await publish(Owner(guest_key="a" * 32), event("job-of-alice"))
    await publish(Owner(user_id=hamlet.pk), event("job-of-hamlet"))
    assert (await alice.receive_json_from(timeout=3))["id"] == "job-of-alice"
    assert await alice.receive_nothing(timeout=0.2)
    assert await bob.receive_nothing(timeout=0.2)
    assert await anonymous.receive_nothing(timeout=0.2)
    for ws in (alice, bob, anonymous):
        await ws.disconnect()


async def test_a_foreign_origin_is_refused():
    comm = WebsocketCommunicator(build_application(), "/ws/generations/", headers=[(b"origin", b"http://evil.example")])
    connected, _ = await comm.connect(timeout=5)
    assert not connected


async def test_events_from_another_thread_reach_the_socket(users):
    """The embedded worker publishes from its own thread; the in-memory layer lives on the server loop."""
    hamlet, _ = await users()
    ws = await connect(await session_cookie_for(hamlet))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, events.publish, Owner(user_id=hamlet.pk).group, event("threaded"))
    assert (await ws.receive_json_from(timeout=3))["id"] == "threaded"
    await ws.disconnect()


async def test_queue_positions_are_pushed_when_they_change(users, tiny_model):
    from generation import services
    from generation.owners import Owner

    hamlet, othello = await users()
    ws = await connect(await session_cookie_for(othello))
    make = sync_to_async(
        lambda user: services.generation_create(
            owner=Owner(user_id=user.pk), spec=services.GenerationSpec(prompt="p", width=256, height=256)
        )
    )
    first = await make(hamlet)
    second = await make(othello)
    queued = await ws.receive_json_from(timeout=3)
    assert (queued["type"], queued["id"], queued["position"], queued["queue_length"]) == (
        "generation.queued",
        str(second.public_id),
        2,
        2,
    )
    await sync_to_async(services.generation_cancel)(generation=first)  # hamlet's job leaves the queue
    moved = await ws.receive_json_from(timeout=3)
    assert (moved["id"], moved["position"], moved["queue_length"]) == (str(second.public_id), 1, 1)
    assert await ws.receive_nothing(timeout=0.2)  # nothing about hamlet's job
    await ws.disconnect()


async def test_deleting_an_account_closes_its_sockets_and_no_one_elses(users):
    hamlet, othello = await users()
    hamlet_ws = await connect(await session_cookie_for(hamlet))
    othello_ws = await connect(await session_cookie_for(othello))
    await sync_to_async(hamlet.delete)()
    got = await hamlet_ws.receive_json_from(timeout=3)
    assert got["type"] == events.ACCOUNT_DELETED
    closed = await hamlet_ws.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": events.CLOSE_ACCOUNT_DELETED}
    assert await othello_ws.receive_nothing(timeout=0.3)
    await publish(Owner(user_id=othello.pk), event("job-of-othello"))
    assert (await othello_ws.receive_json_from(timeout=3))["id"] == "job-of-othello"
    await othello_ws.disconnect()


async def test_with_redis_away_a_socket_closes_4011_and_the_log_gets_one_line_not_a_traceback(
    users, monkeypatch, caplog
):
    """A real Redis channel layer pointed at a port where nothing listens (as when Redis is
    stopped): joining the group fails, the socket closes with 4011 (the page reconnects with
    backoff), and neither that nor a failed publish prints a traceback."""
    from channels.layers import channel_layers
    from channels_redis.core import RedisChannelLayer

    monkeypatch.setitem(channel_layers.backends, "default", RedisChannelLayer(hosts=["redis://127.0.0.1:1/0"]))
    hamlet, _ = await users()
    # (build_application's django.setup() re-applies LOGGING, which drops caplog's root handler)
    monkeypatch.setattr(logging.getLogger("generation"), "handlers", [caplog.handler])
    ws = await connect(await session_cookie_for(hamlet))
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": events.CLOSE_LAYER_DOWN}
    assert 3000 <= events.CLOSE_LAYER_DOWN <= 4999  # what Daphne lets a server send (not 1011)
    await ws.wait(timeout=3)  # the consumer ends without an exception (Daphne's traceback)
    await publish(Owner(user_id=hamlet.pk), event("job-of-hamlet"))  # does not raise
    lines = [r for r in caplog.records if r.name in ("generation.consumers", "generation.events")]
    assert [r.name for r in lines] == ["generation.consumers", "generation.events"], caplog.text
    assert all(r.exc_info is None for r in lines) and "unreachable" in caplog.text

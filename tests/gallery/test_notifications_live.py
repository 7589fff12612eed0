"""Notifications are pushed live over the owner's socket, to their owner only."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from tests.gallery.factories import make_post
from tests.generation.test_consumer import connect, session_cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@sync_to_async
def people_and_post(django_user_model):
    hamlet = django_user_model.objects.create_user("hamlet", password="x-pass-12345")
    othello = django_user_model.objects.create_user("othello", password="x-pass-12345")
    iago = django_user_model.objects.create_user("iago", password="x-pass-12345")
    return hamlet, othello, iago, make_post(user=hamlet, title="Dusk")


@sync_to_async
def as_user(user, method: str, path: str, data: dict | None = None) -> int:
    client = Client()
    client.force_login(user)
    response = getattr(client, method)(path, data or {}, content_type="application/json")
    return response.status_code


async def test_a_comment_like_and_follow_reach_the_post_author_and_nobody_else(django_user_model):
    hamlet, othello, iago, post = await people_and_post(django_user_model)
    hamlet_ws = await connect(await session_cookie_for(hamlet))
    othello_ws = await connect(await session_cookie_for(othello))
    iago_ws = await connect(await session_cookie_for(iago))

    assert await as_user(othello, "post", f"/api/v1/posts/{post.pk}/comments/", {"body": "Lovely"}) == 201
    got = await hamlet_ws.receive_json_from(timeout=3)
    assert got["type"] == "notification.new" and got["kind"] == "comment" and got["unread"] == 1
    assert "othello" in got["text"] and "Dusk" in got["text"] and got["url"].startswith(f"/p/{post.pk}/#comment-")

    assert await as_user(iago, "post", f"/api/v1/posts/{post.pk}/like/") == 200
    liked = await hamlet_ws.receive_json_from(timeout=3)
    assert liked["kind"] == "like" and liked["unread"] == 2

    assert await as_user(othello, "post", "/api/v1/users/hamlet/follow/") == 200
    followed = await hamlet_ws.receive_json_from(timeout=3)
    assert followed["kind"] == "follow" and followed["unread"] == 3

    # The people who acted, and the one who watched, were told nothing.
    assert await othello_ws.receive_nothing(timeout=0.3)
    assert await iago_ws.receive_nothing(timeout=0.3)
    for ws in (hamlet_ws, othello_ws, iago_ws):
        await ws.disconnect()


async def test_a_batched_like_is_pushed_again_with_the_new_count(django_user_model):
    hamlet, othello, iago, post = await people_and_post(django_user_model)
    hamlet_ws = await connect(await session_cookie_for(hamlet))
    await as_user(othello, "post", f"/api/v1/posts/{post.pk}/like/")
    first = await hamlet_ws.receive_json_from(timeout=3)
    await as_user(iago, "post", f"/api/v1/posts/{post.pk}/like/")
    second = await hamlet_ws.receive_json_from(timeout=3)
    assert first["id"] == second["id"] and second["actor_count"] == 2 and second["unread"] == 1
    assert "iago and 1 other liked" in second["text"]
    await hamlet_ws.disconnect()


async def test_a_turned_off_kind_is_neither_stored_nor_pushed(django_user_model):
    hamlet, othello, _iago, post = await people_and_post(django_user_model)
    hamlet_ws = await connect(await session_cookie_for(hamlet))

    @sync_to_async
    def turn_off_likes() -> int:
        client = Client()
        client.force_login(hamlet)
        return client.post("/settings/", {"action": "notifications", "notifications": ["comment", "reply"]}).status_code

    assert await turn_off_likes() == 302
    await as_user(othello, "post", f"/api/v1/posts/{post.pk}/like/")
    assert await hamlet_ws.receive_nothing(timeout=0.3)
    await as_user(othello, "post", f"/api/v1/posts/{post.pk}/comments/", {"body": "hi"})
    assert (await hamlet_ws.receive_json_from(timeout=3))["kind"] == "comment"
    await hamlet_ws.disconnect()

"""Notifications on the scale-out profile: PostgreSQL rows, pushed through Redis, to their owner only."""

from __future__ import annotations

import json
import threading

import pytest

from tests.live import Client, LiveSite
from tests.scaleout.test_scaleout import collect_events

pytestmark = [pytest.mark.services, pytest.mark.timeout_guard]


class SessionClient(Client):
    """A client whose cookie is a session made on the server (the seed's)."""

    def __init__(self, base: str, cookie: str) -> None:
        super().__init__(base)
        self._cookie = cookie

    def cookie_header(self) -> str:
        return self._cookie


def test_a_comment_notifies_the_author_through_redis_and_no_one_else(tmp_path, postgres_url, redis_url):
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url}
    with LiveSite(tmp_path / "site", worker_in_process=False, env_extra=env) as site:
        site.prepare()
        out = site.manage(
            "shell",
            "-c",
            "from tests.bench.community_seed import seed; seed(posts=20, likes=10, comments=10, people=3)",
        )
        seeded = json.loads(out.strip().splitlines()[-1])
        site.start_server()
        name = seeded["session_cookie"]
        author = SessionClient(site.url, f"{name}={seeded['author_session']}")
        fan = SessionClient(site.url, f"{name}={seeded['fan_session']}")
        got_author, got_fan, stop = [], [], threading.Event()
        threads = []
        for client, sink in ((author, got_author), (fan, got_fan)):
            ready = threading.Event()
            t = threading.Thread(target=collect_events, args=(site, client, sink, stop, ready), daemon=True)
            t.start()
            assert ready.wait(15)
            threads.append(t)

        token = {"Authorization": f"Token {seeded['fan_token']}"}
        for i in range(3):
            status, body, _ = fan.request(
                "POST", f"/api/v1/posts/{seeded['post']}/comments/", {"body": f"nice {i}"}, token
            )
            assert status == 201, body
        status, listed, _ = author.request(
            "GET", "/api/v1/notifications/", None, {"Authorization": f"Token {seeded['author_token']}"}
        )
        stop.set()
        for t in threads:
            t.join(10)

        assert status == 200 and listed["count"] == 1 and listed["results"][0]["kind"] == "comment"
        pushed = [e for e in got_author if e["type"] == "notification.new"]
        assert len(pushed) == 3 and pushed[-1]["unread"] == 1 and pushed[-1]["actor_count"] == 1
        assert got_fan == []

"""The job limits on PostgreSQL, through a real server: a burst gets no more than the limit."""

from __future__ import annotations

import threading

import pytest

from tests.live import Client, LiveSite

pytestmark = [pytest.mark.services, pytest.mark.timeout_guard]


def test_a_burst_of_twenty_posts_gets_no_more_than_the_concurrent_limit(tmp_path, postgres_url, redis_url):
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "LIMIT_GUEST_CONCURRENT": "4"}
    with LiveSite(tmp_path / "site", worker_in_process=False, env_extra=env) as site:
        site.prepare()
        site.start_server()
        guest = Client(site.url)
        guest.start_session()
        barrier, codes = threading.Barrier(20), []

        def send(i: int) -> None:
            barrier.wait(timeout=30)
            status, _, _ = guest.post("/api/v1/generations/", {"prompt": f"burst {i}", "width": 256, "height": 256})
            codes.append(status)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(codes) == [201] * 4 + [429] * 16, site.logs()

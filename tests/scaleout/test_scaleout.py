"""The scale-out profile for real: PostgreSQL queue, Redis channel layer, S3 media, two workers."""

from __future__ import annotations

import json
import threading
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.live import Client, LiveSite

pytestmark = [pytest.mark.services, pytest.mark.timeout_guard]


def collect_events(site: LiveSite, client: Client, sink: list, stop: threading.Event, ready: threading.Event) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    url = site.url.replace("http", "ws") + "/ws/generations/"
    with connect(url, additional_headers={"Cookie": client.cookie_header(), "Origin": site.url}, open_timeout=10) as ws:
        ready.set()
        while not stop.is_set():
            try:
                sink.append(json.loads(ws.recv(timeout=0.2)))
            except TimeoutError:
                continue
            except ConnectionClosed:
                return


def test_two_workers_on_postgres_redis_and_s3_share_the_queue(tmp_path, postgres_url, redis_url, s3_endpoint):
    import psycopg

    env = {
        "DATABASE_URL": postgres_url,
        "REDIS_URL": redis_url,
        **s3_endpoint["env"],
        "LIMIT_GUEST_CONCURRENT": "10",
        "LIMIT_IP_CONCURRENT": "20",
    }
    with LiveSite(tmp_path / "site", worker_in_process=False, env_extra=env) as site:
        site.prepare()
        site.start_server()
        site.start_worker("gpu-a")
        site.start_worker("gpu-b")

        owner, stranger = Client(site.url), Client(site.url)
        owner.start_session()
        stranger.start_session()
        mine, theirs, stop = [], [], threading.Event()
        threads = []
        for client, sink in ((owner, mine), (stranger, theirs)):
            ready = threading.Event()
            t = threading.Thread(target=collect_events, args=(site, client, sink, stop, ready), daemon=True)
            t.start()
            assert ready.wait(15)
            threads.append(t)

        ids = []
        for i in range(6):
            status, body, _ = owner.post(
                "/api/v1/generations/", {"prompt": f"job {i}", "width": 1024, "height": 1024, "n": 4, "seed": i}
            )
            assert status == 201, body
            ids.append(body["id"])
        finals = [owner.wait_finished(gid, timeout=180) for gid in ids]
        stop.set()
        for t in threads:
            t.join(10)

        assert [f["status"] for f in finals] == ["succeeded"] * 6, site.logs()
        # Both workers took jobs from the one PostgreSQL queue, none twice.
        with psycopg.connect(postgres_url) as db:
            rows = db.execute("select worker, attempts from generation_generation").fetchall()
        assert {w for w, _ in rows} == {"gpu-a", "gpu-b"}
        assert all(a == 1 for _, a in rows)
        # Events crossed processes through Redis, to the owner only.
        succeeded = {e["id"] for e in mine if e["type"] == "generation.succeeded"}
        assert succeeded == set(ids)
        assert any(e["type"] == "generation.progress" for e in mine)
        assert theirs == []
        # The images are in the bucket, and the permission-checked view hands out a presigned URL.
        keys = [o["Key"] for o in s3_endpoint["client"].list_objects_v2(Bucket="media")["Contents"]]
        assert sum(k.endswith(".png") for k in keys) == 24
        assert sum(k.endswith(".webp") for k in keys) == 24
        image_url = urlsplit(finals[0]["images"][0]["url"]).path  # the API's URLs are absolute
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(owner.jar))
        with opener.open(site.url + image_url, timeout=30) as resp:
            assert "X-Amz-Signature=" in resp.url or "Signature=" in resp.url
            assert resp.read(8) == b"\x89PNG\r\n\x1a\n"
        assert stranger.get(image_url)[0] == 404

"""Platform benchmark (`make bench-platform`): queue pickup, event delivery and throughput.

Runs the site for real (daphne + workers as child processes) with the bundled fast model, on the
embedded profile and, when TEST_POSTGRES_URL and TEST_REDIS_URL are set, on the scale-out profile
(PostgreSQL + Redis + two workers). Prints the numbers and their ratio to each target.

- pickup: a job's started_at - created_at (both server clocks on this host), idle system.
- delivery: a socket message's arrival time - its `ts` (stamped when the worker published it).
- throughput: jobs finished per minute with 20 clients each submitting one job after another.
- community (embedded): with 10 000 posts, 50 000 likes and 20 000 comments seeded, the time from
  one user's comment POST to the notification on the post author's socket, and each feed
  endpoint's time per page (a request on 127.0.0.1, so server time plus a loopback hop).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from tests.live import Client, LiveSite

TARGETS = {
    "pickup_p95_embedded": 0.150,
    "pickup_p95_scaleout": 0.300,
    "delivery_p95": 0.050,
    "notification_p95": 0.100,
    "feed_page_p95": 0.050,
}
COMMUNITY_ENV = {
    "THROTTLE_COMMENT_WRITE": "100000/min",
    "THROTTLE_COMMENT_WRITE_IP": "100000/min",
    "SERVER_TIMING": "true",
}
NO_LIMITS = {
    "LIMIT_USER_CONCURRENT": "1000",
    "LIMIT_USER_HOURLY": "100000",
    "LIMIT_GUEST_CONCURRENT": "1000",
    "LIMIT_GUEST_HOURLY": "100000",
    "LIMIT_IP_CONCURRENT": "1000",
    "LIMIT_IP_HOURLY": "100000",
}
FINAL = {"generation.succeeded", "generation.failed", "generation.canceled"}
JOB = {"prompt": "a red sun over the sea", "width": 512, "height": 512, "n": 1}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def parse_ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Socket(threading.Thread):
    """A browser's job socket: records (arrival - ts) for every event, and the events themselves."""

    def __init__(self, site: LiveSite, client: Client | None = None, cookie: str = "") -> None:
        super().__init__(daemon=True)
        self.site, self.client, self.cookie = site, client, cookie
        self.arrivals: list[float] = []
        self.delays: list[float] = []
        self.events: list[dict] = []
        self.stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        url = self.site.url.replace("http", "ws") + "/ws/generations/"
        cookie = self.client.cookie_header() if self.client is not None else self.cookie
        headers = {"Cookie": cookie, "Origin": self.site.url}
        with connect(url, additional_headers=headers, open_timeout=10) as ws:
            self.ready.set()
            while not self.stop.is_set():
                try:
                    raw = ws.recv(timeout=0.2)
                except TimeoutError:
                    continue
                except ConnectionClosed:
                    return
                arrived = time.time()
                event = json.loads(raw)
                self.events.append(event)
                self.arrivals.append(arrived)
                if "ts" in event:
                    self.delays.append(arrived - event["ts"])


def measure(site: LiveSite, *, idle_jobs: int, clients: int, seconds: float) -> dict:
    # 1. pickup latency on an idle system, and event delivery, one job at a time.
    client = Client(site.url)
    client.start_session()
    sock = Socket(site, client)
    sock.start()
    sock.ready.wait(15)
    for _ in range(2):  # warm-up: first requests import views, first job touches every code path
        client.wait_finished(client.post("/api/v1/generations/", JOB)[1]["id"])
    sock.delays.clear()
    pickups = []
    for _ in range(idle_jobs):
        status, body, _ = client.post("/api/v1/generations/", JOB)
        assert status == 201, body
        final = client.wait_finished(body["id"])
        assert final["status"] == "succeeded", final
        pickups.append(parse_ts(final["started_at"]) - parse_ts(final["created_at"]))
        time.sleep(0.3)  # idle between jobs: the worker is back to polling
    sock.stop.set()
    sock.join(5)

    # 2. throughput with N clients submitting one job after another.
    done = []
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def user() -> None:
        # Like a browser: submit, then follow the job on the socket (no polling load).
        c = Client(site.url)
        c.start_session()
        listener = Socket(site, c)
        listener.start()
        listener.ready.wait(15)
        while time.monotonic() < stop_at:
            status, body, _ = c.post("/api/v1/generations/", JOB)
            if status != 201:
                time.sleep(0.1)
                continue
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                finished = [e for e in listener.events if e.get("id") == body["id"] and e["type"] in FINAL]
                if finished:
                    break
                time.sleep(0.01)
            if finished and finished[0]["type"] == "generation.succeeded":
                with lock:
                    done.append(time.monotonic())
        listener.stop.set()

    start = time.monotonic()
    threads = [threading.Thread(target=user, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 300)
    elapsed = max(done) - start if done else seconds
    return {
        "pickup_p50": statistics.median(pickups),
        "pickup_p95": pct(pickups, 0.95),
        "delivery_p50": statistics.median(sock.delays) if sock.delays else float("nan"),
        "delivery_p95": pct(sock.delays, 0.95) if sock.delays else float("nan"),
        "events": len(sock.delays),
        "jobs_per_minute": len(done) / elapsed * 60,
        "jobs_done": len(done),
    }


def report(profile: str, result: dict, pickup_target: float) -> None:
    print(f"\n== {profile}")
    print(
        f"  submit -> started   p50 {result['pickup_p50'] * 1000:7.1f} ms   p95 {result['pickup_p95'] * 1000:7.1f} ms"
        f"   target p95 <= {pickup_target * 1000:.0f} ms   ratio {result['pickup_p95'] / pickup_target:.2f}"
    )
    print(
        f"  event -> socket     p50 {result['delivery_p50'] * 1000:7.1f} ms   p95 {result['delivery_p95'] * 1000:7.1f} ms"
        f"   target p95 <= {TARGETS['delivery_p95'] * 1000:.0f} ms   ratio {result['delivery_p95'] / TARGETS['delivery_p95']:.2f}"
        f"   ({result['events']} events)"
    )
    print(
        f"  throughput          {result['jobs_per_minute']:7.1f} jobs/min with 20 clients ({result['jobs_done']} jobs)"
    )


def measure_community(site: LiveSite, *, comments: int, pages: int) -> dict:
    """Seed a community, then time comment -> notification and the feed pages."""
    seeded = json.loads(
        site.manage("shell", "-c", "from tests.bench.community_seed import seed; seed()", timeout=1800)
        .strip()
        .splitlines()[-1]
    )
    fan, author = Client(site.url), Client(site.url)
    fan_auth = {"Authorization": f"Token {seeded['fan_token']}"}
    sock = Socket(site, cookie=f"{seeded['session_cookie']}={seeded['author_session']}")
    sock.start()
    sock.ready.wait(15)
    post = seeded["post"]

    # 1. comment POST -> notification.new on the post author's socket (another person's socket).
    delays = []
    for i in range(comments + 3):
        seen = len(sock.events)
        sent = time.time()
        status, body, _ = fan.request("POST", f"/api/v1/posts/{post}/comments/", {"body": f"bench {i}"}, fan_auth)
        assert status == 201, body
        wait_for_event = time.monotonic() + 10
        while time.monotonic() < wait_for_event:
            got = [
                (e, t)
                for e, t in zip(sock.events[seen:], sock.arrivals[seen:], strict=False)
                if e.get("type") == "notification.new"
            ]
            if got:
                break
            time.sleep(0.001)
        assert got, "no notification arrived"
        if i >= 3:  # the first ones warm the code paths
            delays.append(got[0][1] - sent)
        if i % 20 == 19:  # read them now and then, as a person would: a new batch starts
            author.request("POST", "/api/v1/notifications/", {}, {"Authorization": f"Token {seeded['author_token']}"})
    sock.stop.set()

    # 2. feed pages: each endpoint, pages 1..pages, as the fan (who follows 40 people).
    endpoints = {
        "posts latest": "/api/v1/posts/?page={n}",
        "posts popular": "/api/v1/posts/?ordering=popular&page={n}",
        "following": "/api/v1/feed/following/?page={n}",
        "comments": "/api/v1/posts/" + str(seeded["busy_post"]) + "/comments/?page=1",
        "notifications": "/api/v1/notifications/?page=1",
        "search": "/api/v1/posts/?q=landscape&page={n}",
    }
    feeds = {}
    for name, path in endpoints.items():
        times, server = [], []
        for round_ in range(3):
            for n in range(1, pages + 1):
                auth = {"Authorization": f"Token {seeded['author_token' if name == 'notifications' else 'fan_token']}"}
                start = time.perf_counter()
                status, body, headers = fan.request("GET", path.format(n=n), headers=auth)
                took = time.perf_counter() - start
                assert status == 200, (path, status, body)
                if round_:  # the first round warms caches
                    times.append(took)
                    server.append(float(headers["Server-Timing"].split("dur=")[1]) / 1000)
        feeds[name] = {
            "p50": statistics.median(server),
            "p95": pct(server, 0.95),
            "http_p95": pct(times, 0.95),
            "n": len(times),
        }
    return {
        "seeded": seeded["posts"],
        "notify_p50": statistics.median(delays),
        "notify_p95": pct(delays, 0.95),
        "notify_n": len(delays),
        "feeds": feeds,
    }


def report_community(result: dict) -> None:
    print(f"\n== community (embedded; {result['seeded']} posts, 50 000 likes, 20 000 comments seeded)")
    target = TARGETS["notification_p95"]
    print(
        f"  comment -> notification on the author's socket   p50 {result['notify_p50'] * 1000:6.1f} ms"
        f"   p95 {result['notify_p95'] * 1000:6.1f} ms   target p95 <= {target * 1000:.0f} ms"
        f"   ratio {result['notify_p95'] / target:.2f}   ({result['notify_n']} comments)"
    )
    target = TARGETS["feed_page_p95"]
    print("  feed pages, server time (Server-Timing), and p95 of the whole HTTP round trip on 127.0.0.1:")
    for name, row in result["feeds"].items():
        print(
            f"  {name:<15} page   p50 {row['p50'] * 1000:6.1f} ms   p95 {row['p95'] * 1000:6.1f} ms"
            f"   target p95 <= {target * 1000:.0f} ms   ratio {row['p95'] / target:.2f}"
            f"   (http p95 {row['http_p95'] * 1000:.1f} ms, {row['n']} requests)"
        )
    print(f"  (load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle-jobs", type=int, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--comments", type=int, default=60, help="comments timed to their notification")
    parser.add_argument("--pages", type=int, default=10, help="pages of each feed timed")
    parser.add_argument("--only", choices=["all", "jobs", "community"], default="all")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in ("all", "community"):
            with LiveSite(Path(tmp) / "community", worker_in_process=True, env_extra=COMMUNITY_ENV) as site:
                site.prepare()
                site.start_server()
                report_community(measure_community(site, comments=args.comments, pages=args.pages))
        if args.only == "community":
            return
        with LiveSite(Path(tmp) / "embedded", worker_in_process=True, env_extra=NO_LIMITS) as site:
            site.prepare()
            site.start_server()
            results["embedded"] = measure(site, idle_jobs=args.idle_jobs, clients=args.clients, seconds=args.seconds)
        report(
            "embedded (SQLite, in-process worker, in-memory channel layer)",
            results["embedded"],
            TARGETS["pickup_p95_embedded"],
        )

        pg, redis_url = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
        if pg and redis_url:
            import uuid

            import psycopg

            name = f"ip_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(pg, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
                try:
                    env = {**NO_LIMITS, "DATABASE_URL": pg.rpartition("/")[0] + "/" + name, "REDIS_URL": redis_url}
                    with LiveSite(Path(tmp) / "scaleout", worker_in_process=False, env_extra=env) as site:
                        site.prepare()
                        site.start_server()
                        site.start_worker("bench-a")
                        site.start_worker("bench-b")
                        results["scaleout"] = measure(
                            site, idle_jobs=args.idle_jobs, clients=args.clients, seconds=args.seconds
                        )
                finally:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            report(
                "scale-out (PostgreSQL, Redis, 2 worker processes)", results["scaleout"], TARGETS["pickup_p95_scaleout"]
            )
        else:
            print("\n(scale-out skipped: set TEST_POSTGRES_URL and TEST_REDIS_URL, as .ci/run does)")


if __name__ == "__main__":
    main()

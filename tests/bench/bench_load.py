"""Soak and load suite for the scale-out profile (`make bench-load`; not in CI, not in `make test`).

Starts the site for real on 127.0.0.1 only: Daphne (as `make run` starts it) and two
`manage.py generation_worker` processes on a throwaway PostgreSQL database (from
TEST_POSTGRES_URL) and a private `redis-server` that this script starts, stops and restarts
itself (the shared Redis of the tests is never touched). Then, in order:

1. sockets: 200 websockets (10 signed-in users × 20 tabs) open at the same moment and stay open;
2. jobs: 50 jobs from those 10 users, sent at once, followed on all 200 sockets;
3. readers: anonymous readers of the gallery feed and of share pages at 10, 50 and 100 at once;
4. worker kill: a worker is SIGKILLed while it runs a job; the other finishes it;
5. redis outage: Redis stopped for 20 s and restarted while users wait for jobs and readers
   read; the sockets reconnect like the pages' client (backoff with jitter) and catch up from
   the API.

It prints errors against the targets (no 5xx, no lost or misdelivered event, every job finished
exactly once, no traceback in the servers' logs), p95 latencies, and the peaks of PostgreSQL connections (pg_stat_activity) and
Redis clients (INFO clients), and exits 1 when a target is missed (2 when a service is missing).
Every process it starts is stopped on the way out, also on failure or Ctrl+C, and the whole run
is bounded (--deadline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from tests.bench.bench_platform import FINAL, NO_LIMITS, pct
from tests.bench.load_rig import (
    Loop,
    Monitor,
    PrivateRedis,
    Sock,
    User,
    log,
    set_cookie,
    throwaway_database,
    timed_get,
)
from tests.live import Client, LiveSite, free_port, wait_for

MISSING = """\
bench-load needs PostgreSQL and redis-server:
  - PostgreSQL: export TEST_POSTGRES_URL=postgresql://USER:PASSWORD@127.0.0.1:5432/postgres
    (a role that may CREATE DATABASE; .ci/run shows how to start Debian's cluster and make one)
  - redis-server on PATH (Debian: apt-get install redis-server); the bench runs its own on a
    free 127.0.0.1 port, so it can stop and restart it.
Missing: {what}"""


STABLE = 1.5  # seconds a reconnected socket must stay open to count as back


class Deadline(Exception):
    """The whole run took longer than --deadline."""


SIGN_IN = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

# Signed-in users without the login form (whose own rate limits are not what this bench measures).
store = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for i in range({users}):
    user = get_user_model().objects.create_user(f"loadbench{{i}}", password=None)
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print("KEYS=" + json.dumps(keys))
"""


# --- the suite ---------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    lines: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    tracebacks: int = 0  # in the servers' logs while the scenario ran

    def say(self, text: str) -> None:
        self.lines.append(text)
        log(f"  {text}")

    def miss(self, text: str) -> None:
        self.misses.append(text)
        log(f"  MISSED: {text}")


class Bench:
    def __init__(self, args: argparse.Namespace, site: LiveSite, redis: PrivateRedis, monitor: Monitor, db_url: str):
        self.args, self.site, self.redis, self.monitor, self.db_url = args, site, redis, monitor, db_url
        self.loop = Loop()
        self.users: list[User] = []
        self.socks: list[Sock] = []
        self.ws_url = site.url.replace("http", "ws") + "/ws/generations/"
        self.share_paths: list[str] = []

    # helpers

    def db_rows(self, ids: list[str]) -> dict[str, tuple]:
        import psycopg

        with psycopg.connect(self.db_url) as db:
            rows = db.execute(
                "SELECT g.public_id::text, g.status, g.attempts, g.worker, g.n,"
                " (SELECT count(*) FROM generation_generationimage i WHERE i.generation_id = g.id)"
                " FROM generation_generation g WHERE g.public_id::text = ANY(%s)",
                [ids],
            ).fetchall()
        return {r[0]: r[1:] for r in rows}

    def submit(self, user: User, spec: dict, result: Result) -> str | None:
        status, body, _ = user.client.post("/api/v1/generations/", spec)
        if status != 201:
            result.miss(f"{user.name}: submitting a job answered {status} {str(body)[:200]}")
            return None
        user.jobs.append(body["id"])
        return body["id"]

    def wait_final(self, ids: list[str], timeout: float) -> dict[str, tuple]:
        def done() -> dict | None:
            rows = self.db_rows(ids)
            return (
                rows
                if len(rows) == len(ids) and all(r[0] in ("succeeded", "failed", "canceled") for r in rows.values())
                else None
            )

        try:
            return wait_for(done, timeout, 0.25, f"{len(ids)} jobs")
        except TimeoutError:
            return self.db_rows(ids)

    def check_jobs(
        self, ids: list[str], rows: dict[str, tuple], result: Result, *, killed: set[str] = frozenset()
    ) -> None:
        """Every job finished once: succeeded, with exactly n images, attempted once (twice for a
        job whose worker was killed)."""
        for gid in ids:
            if gid not in rows:
                result.miss(f"job {gid} is not in the database")
                continue
            status, attempts, _worker, n, images = rows[gid]
            allowed = 2 if gid in killed else 1
            if status != "succeeded" or images != n or not 1 <= attempts <= allowed:
                result.miss(f"job {gid}: {status}, {images}/{n} images, {attempts} attempts")

    def await_finals(self, socks: list[Sock], jobs_of: dict[str, set[str]]) -> None:
        """Waits (bounded: --event-grace) until every socket has the final event of each job it
        follows: under load events arrive late, and late is not lost (delays are reported)."""

        def all_in() -> bool:
            return all(
                gid in {e.get("id") for _, e in list(s.events) if e.get("type") in FINAL}
                for s in socks
                for gid in jobs_of[s.user.name]
            )

        try:
            wait_for(all_in, self.args.event_grace, 0.2, "final events")
        except TimeoutError:
            pass  # what is still missing is counted as lost by check_events

    @staticmethod
    def check_events(socks: list[Sock], result: Result, *, jobs_of: dict[str, set[str]]) -> list[float]:
        """Each socket got exactly one final event for each job of its owner that it watched, and
        no event about anyone else's job. Returns the delivery delays (arrival - ts)."""
        delays: list[float] = []
        lost = dup = foreign = 0
        for sock in socks:
            mine = jobs_of[sock.user.name]
            finals: Counter[str] = Counter()
            for arrived, event in sock.events:
                if "ts" in event:
                    delays.append(arrived - event["ts"])
                ids = {event.get("id")} | {j.get("id") for j in event.get("jobs", [])}
                ids.discard(None)
                if ids - set(sock.user.jobs):
                    foreign += 1
                if event.get("type") in FINAL:
                    finals[event["id"]] += 1
            lost += sum(1 for gid in mine if finals[gid] == 0)
            dup += sum(1 for gid in mine if finals[gid] > 1)
        result.say(
            f"events: {sum(len(s.events) for s in socks)} received, {lost} final events lost, "
            f"{dup} duplicated, {foreign} misdelivered"
        )
        if lost or dup or foreign:
            result.miss(f"events: {lost} lost, {dup} duplicated, {foreign} misdelivered")
        return delays

    def open_socks(self, count: int, *, reconnect: bool = False) -> tuple[list[Sock], list[float]]:
        socks = [
            Sock(self.ws_url, self.users[i % len(self.users)], self.site.url, reconnect=reconnect) for i in range(count)
        ]
        self.loop.call(self._start_all(socks), 60)
        waits = [s.open_seconds for s in socks if s.open_seconds is not None]
        return socks, waits

    async def _start_all(self, socks: list[Sock]) -> None:
        tasks = [asyncio.ensure_future(s.run()) for s in socks]
        for sock, task in zip(socks, tasks, strict=True):
            sock.task = task
        # Every connect starts in the same loop iteration; wait until each is open or has given up.
        await asyncio.wait(
            [asyncio.ensure_future(s.opened.wait()) for s in socks], timeout=45, return_when=asyncio.ALL_COMPLETED
        )

    def close_socks(self, socks: list[Sock]) -> None:
        async def stop() -> None:
            for sock in socks:
                sock.stopping = True
                sock.task.cancel()
            await asyncio.gather(*(s.task for s in socks), return_exceptions=True)

        self.loop.call(stop(), 30)

    # scenarios

    def setup_users(self) -> None:
        out = self.site.manage("shell", "-c", SIGN_IN.format(users=self.args.users))
        keys = json.loads(out.split("KEYS=", 1)[1].strip().splitlines()[0])
        for i, key in enumerate(keys):
            client = Client(self.site.url)
            client.get("/")  # the CSRF cookie
            set_cookie(client.jar, "sessionid", key)
            self.users.append(User(f"loadbench{i}", client))

    def sockets(self) -> Result:
        result = Result("sockets")
        n = self.args.sockets
        log(f"scenario 1: {n} sockets opening at once ({len(self.users)} users)")
        self.socks, waits = self.open_socks(n)
        time.sleep(self.args.hold)  # the old failure: accepted, then closed with 1011 a moment later
        still = sum(1 for s in self.socks if not s.task.done())
        closes = sum((s.closes for s in self.socks), Counter())
        errors = sum((s.errors for s in self.socks), Counter())
        result.say(
            f"{len(waits)}/{n} opened, {still}/{n} still open after {self.args.hold:.0f} s; "
            f"open p50 {pct(waits, 0.5) * 1000:.0f} ms p95 {pct(waits, 0.95) * 1000:.0f} ms"
            if waits
            else f"0/{n} opened"
        )
        if len(waits) < n or still < n or closes or errors:
            result.miss(f"sockets: {n - len(waits)} never opened, closes {dict(closes)}, errors {dict(errors)}")
        return result

    def jobs(self) -> Result:
        result = Result("jobs")
        count = self.args.jobs
        log(f"scenario 2: {count} jobs from {len(self.users)} users at once, followed on {len(self.socks)} sockets")
        barrier = threading.Barrier(count)
        lock = threading.Lock()
        ids: list[str] = []

        def send(i: int) -> None:
            user = self.users[i % len(self.users)]
            spec = {"prompt": f"load test picture {i}", "width": 512, "height": 512, "n": 1, "seed": i}
            barrier.wait(timeout=30)
            gid = self.submit(user, spec, result)
            if gid:
                with lock:
                    ids.append(gid)

        threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(count)]
        self.loop.lags.clear()
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        rows = self.wait_final(ids, self.args.job_timeout)
        elapsed = time.monotonic() - started
        self.check_jobs(ids, rows, result)
        jobs_of = {u.name: set(u.jobs) for u in self.users}
        self.await_finals(self.socks, jobs_of)
        delays = self.check_events(self.socks, result, jobs_of=jobs_of)
        queued = sum(1 for s in self.socks for _, e in s.events if e.get("type") == "generation.queued")
        total = sum(len(s.events) for s in self.socks)
        workers = Counter(r[2] for r in rows.values())
        result.say(
            f"{len(ids)} jobs finished in {elapsed:.1f} s by {dict(workers)}; event delivery p50 "
            f"{pct(delays, 0.5) * 1000:.0f} ms p95 {pct(delays, 0.95) * 1000:.0f} ms; queue events "
            f"{queued}/{total} ({100 * queued / max(total, 1):.0f} %); the bench's own socket loop ran "
            f"p95 {pct(self.loop.lags, 0.95) * 1000:.0f} ms late"
            if delays and self.loop.lags
            else f"{len(ids)} jobs, no events"
        )
        self.close_socks(self.socks)
        return result

    def publish(self, result: Result) -> None:
        """One post per user, from the pictures of scenario 2: the share pages the readers read."""
        for user in self.users:
            if not user.jobs:
                continue
            status, body, _ = user.client.get(f"/api/v1/generations/{user.jobs[0]}/")
            if status != 200 or not body.get("images"):
                result.miss(f"{user.name}: reading a finished job answered {status}")
                continue
            status, post, _ = user.client.post("/api/v1/posts/", {"image": body["images"][0]["id"], "title": user.name})
            if status == 201:
                self.share_paths.append(urlparse(post["share_url"]).path)
            else:
                result.miss(f"{user.name}: publishing answered {status} {str(post)[:200]}")

    def readers(self) -> Result:
        result = Result("readers")
        self.publish(result)
        pages = ["/gallery/"] + self.share_paths
        log(f"scenario 3: readers of the feed and {len(self.share_paths)} share pages")
        if not self.share_paths:
            result.miss("no post could be published, so no share page to read")
        for level in self.args.readers:
            stats = self.read_at(level, self.args.reader_seconds, pages)
            feed = [s for p, _, s in stats if p == "/gallery/"]
            share = [s for p, _, s in stats if p != "/gallery/"]
            codes = Counter(c for _, c, _ in stats)
            bad = sum(n for c, n in codes.items() if c >= 500 or c == 0)
            result.say(
                f"{level:3d} readers: {len(stats)} requests ({len(stats) / self.args.reader_seconds:.0f}/s), "
                f"codes {dict(sorted(codes.items()))}; feed p95 {pct(feed, 0.95) * 1000:.0f} ms, "
                f"share p95 {pct(share, 0.95) * 1000 if share else float('nan'):.0f} ms; "
                f"peak PostgreSQL connections {self.monitor.peaks.get(self.monitor.scenario, {}).get('pg', 0)}"
            )
            if bad or set(codes) - {200}:
                result.miss(f"{level} readers: answers other than 200: {dict(codes)}")
        return result

    def read_at(self, level: int, seconds: float, pages: list[str], mark: bool = True) -> list[tuple[str, int, float]]:
        if mark:
            self.monitor.mark(f"readers at {level}")
        stats: list[tuple[str, int, float]] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def reader(i: int) -> None:
            k = i
            while time.monotonic() < stop_at:
                path = pages[k % len(pages)]
                k += 1
                status, took = timed_get(self.site.url + path)
                with lock:
                    stats.append((path, status, took))

        threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(level)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 60)
        return stats

    def worker_kill(self, workers: dict[str, subprocess.Popen]) -> Result:
        result = Result("worker kill")
        log("scenario 4: a worker SIGKILLed mid-job")
        user = self.users[0]
        sock = Sock(self.ws_url, user, self.site.url)
        self.loop.call(self._start_all([sock]), 60)
        spec = {"prompt": "a long job to be interrupted", "width": 1024, "height": 1024, "n": 4}
        ids, victim, killed_job = [], None, None
        for _attempt in range(self.args.kill_tries):
            for _ in range(len(workers)):  # both workers busy
                gid = self.submit(user, spec, result)
                if gid:
                    ids.append(gid)

            def running() -> tuple | None:
                for gid, row in self.db_rows(ids).items():
                    if row[0] == "running" and row[2] in workers:
                        return gid, row[2]
                return None

            try:
                killed_job, victim = wait_for(running, 60, 0.02, "a running job")
            except TimeoutError:
                continue
            workers[victim].send_signal(signal.SIGKILL)  # the worker only, as an OOM killer would
            workers[victim].wait(10)
            break
        if victim is None:
            result.miss("no job was caught running to kill its worker")
        rows = self.wait_final(ids, self.args.job_timeout)
        self.await_finals([sock], {user.name: set(ids)})
        self.check_jobs(ids, rows, result, killed={killed_job} if killed_job else set())
        self.check_events([sock], result, jobs_of={user.name: set(ids)})
        if killed_job and killed_job in rows:
            status, attempts, worker, _, _ = rows[killed_job]
            result.say(f"killed {victim} while it ran a job; the job then {status} on {worker} (attempt {attempts})")
            if worker == victim:
                result.miss("the killed worker's job was not finished by the other worker")
        self.close_socks([sock])
        if victim is not None:
            workers[victim] = self.site.start_worker(victim)  # two workers again for what follows
        return result

    def redis_outage(self) -> Result:
        result = Result("redis outage")
        gap = self.args.outage
        log(f"scenario 5: Redis stopped for {gap:.0f} s and restarted")
        known: dict[str, str] = {}  # job id -> final status as the page knows it (event or API)
        lock = threading.Lock()

        def remember(gid: str, status: str) -> None:
            if status in ("succeeded", "failed", "canceled"):
                with lock:
                    known[gid] = status

        socks = []
        for user in self.users:
            sock = Sock(self.ws_url, user, self.site.url, reconnect=True, max_backoff=self.args.max_backoff)

            async def catch_up(u: User = user) -> None:  # the page reads its jobs from the API on (re)connect
                for gid in list(u.jobs):
                    status, body, _ = await asyncio.to_thread(u.client.get, f"/api/v1/generations/{gid}/")
                    if status == 200:
                        remember(gid, body["status"])

            sock.on_connect = catch_up
            socks.append(sock)
        self.loop.call(self._start_all(socks), 60)
        spec = {"prompt": "a picture across the outage", "width": 512, "height": 512, "n": 2}
        ids = [gid for u in self.users if (gid := self.submit(u, spec, result))]
        codes: Counter[int] = Counter()
        poll_stop = threading.Event()

        def poll_api() -> None:
            # A client without a socket polls: these API reads must keep working without Redis.
            while not poll_stop.is_set():
                for user in self.users:
                    for gid in list(user.jobs[-1:]):
                        status, body, _ = user.client.get(f"/api/v1/generations/{gid}/")
                        codes[status] += 1
                        if status == 200:
                            remember(gid, body["status"])
                poll_stop.wait(0.5)

        poller = threading.Thread(target=poll_api, daemon=True)
        poller.start()
        self.redis.stop()
        down_at = time.monotonic()
        reads = self.read_at(self.args.outage_readers, gap, ["/gallery/"] + self.share_paths, mark=False)
        # A job sent while Redis is down.
        late = [gid for u in self.users[:2] if (gid := self.submit(u, spec, result))]
        ids += late
        time.sleep(max(0.0, gap - (time.monotonic() - down_at)))
        self.monitor.mark("redis outage (back up)")
        self.redis.start()
        up_at = time.monotonic()

        def reconnected() -> bool:
            # Open for a while: a socket that cannot join its group (Redis down) is closed at once.
            now = time.monotonic()
            return all(s.open_since is not None and now - s.open_since > STABLE for s in socks)

        try:
            wait_for(reconnected, self.args.max_backoff * 2 + 30, 0.2, "sockets to reconnect")
            back = time.monotonic() - up_at - STABLE
        except TimeoutError:
            back = float("nan")
            result.miss(f"{sum(1 for s in socks if s.open_since is None)} sockets did not reconnect")
        rows = self.wait_final(ids, self.args.job_timeout)
        # A job after the outage: its events reach the sockets again.
        after = [gid for u in self.users if (gid := self.submit(u, {**spec, "n": 1}, result))]
        rows.update(self.wait_final(after, self.args.job_timeout))
        ids += after
        self.await_finals(socks, {u.name: set(u.jobs[-1:]) for u in self.users})
        poll_stop.set()
        poller.join(10)
        for sock in socks:
            for _, event in sock.events:
                if event.get("type") in FINAL:
                    remember(event["id"], event["type"].split(".")[1])

        async def reload_all() -> None:  # a last reload of every page
            await asyncio.gather(*(s.on_connect() for s in socks))

        self.loop.call(reload_all(), 60)
        self.close_socks(socks)
        self.check_jobs(ids, rows, result)
        unknown = [gid for gid in ids if known.get(gid) != "succeeded"]
        live = sum(1 for gid in after for s in socks for _, e in s.events if e.get("id") == gid and e["type"] in FINAL)
        read_codes = Counter(c for _, c, _ in reads)
        result.say(
            f"{len(ids)} jobs ({len(late)} sent while Redis was down); every socket back {back:.1f} s after Redis; "
            f"pages know {len(ids) - len(unknown)}/{len(ids)} outcomes; {live}/{len(after)} live final events after"
        )
        result.say(
            f"during the outage: readers {dict(sorted(read_codes.items()))}, API polls {dict(sorted(codes.items()))}; "
            f"socket closes {dict(sum((s.closes for s in socks), Counter()))}"
        )
        if unknown:
            result.miss(f"{len(unknown)} job outcomes never reached their page")
        if live < len(after):
            result.miss(f"after the outage only {live}/{len(after)} final events were delivered live")
        bad = {c: n for c, n in (read_codes + codes).items() if c >= 500 or c == 0}
        if bad:
            result.miss(f"5xx or no answer while Redis was down: {bad}")
        self.check_events(socks, result, jobs_of={u.name: set(u.jobs[-1:]) for u in self.users})
        return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10)
    p.add_argument("--sockets", type=int, default=200)
    p.add_argument("--jobs", type=int, default=50)
    p.add_argument("--readers", type=lambda s: [int(x) for x in s.split(",")], default=[10, 50, 100])
    p.add_argument("--reader-seconds", type=float, default=10.0)
    p.add_argument("--outage", type=float, default=20.0, help="seconds Redis stays down")
    p.add_argument("--outage-readers", type=int, default=10)
    p.add_argument("--max-backoff", type=float, default=8.0, help="the reconnect backoff cap (the pages: 30 s)")
    p.add_argument("--hold", type=float, default=5.0, help="seconds the burst of sockets is held open")
    p.add_argument("--kill-tries", type=int, default=3)
    p.add_argument("--job-timeout", type=float, default=180.0)
    p.add_argument("--event-grace", type=float, default=30.0, help="seconds a final event may arrive after its job")
    p.add_argument("--redis-port", type=int, default=0, help="the private Redis's port (0: a free one)")
    p.add_argument("--logs", type=Path, help="copy the servers' logs to this folder at the end")
    p.add_argument("--deadline", type=float, default=600.0, help="seconds for the whole run")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pg = os.environ.get("TEST_POSTGRES_URL", "")
    missing = [w for w, ok in (("TEST_POSTGRES_URL", pg), ("redis-server", shutil.which("redis-server"))) if not ok]
    if not missing:
        try:
            import psycopg

            psycopg.connect(pg, connect_timeout=5).close()
        except Exception as exc:  # noqa: BLE001 - any reason the database cannot be reached
            missing.append(f"PostgreSQL at {pg} ({exc})")
    if missing:
        print(MISSING.format(what=", ".join(missing)), file=sys.stderr)
        return 2

    def over(*_: object) -> None:
        raise Deadline(f"the run took longer than {args.deadline:.0f} s")

    def terminated(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, over)
    signal.signal(signal.SIGTERM, terminated)
    signal.alarm(int(args.deadline))
    results: list[Result] = []
    began = time.monotonic()
    try:
        with ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
            redis = PrivateRedis(tmp, args.redis_port or free_port())
            stack.callback(redis.stop)
            redis.start()
            db_url, db_name = stack.enter_context(throwaway_database(pg))
            env = {
                **NO_LIMITS,
                "DATABASE_URL": db_url,
                "REDIS_URL": redis.url,
                "QUEUE_MAX_QUEUED": "0",
                "WORKER_HEARTBEAT_SECONDS": "0.5",
                "WORKER_STALE_SECONDS": "3",
            }
            site = stack.enter_context(LiveSite(tmp / "site", worker_in_process=False, env_extra=env))
            if args.logs:
                stack.callback(shutil.copytree, site.log_dir, args.logs, dirs_exist_ok=True)
            monitor = Monitor(db_url, db_name, redis.url)
            log(f"starting: PostgreSQL database {db_name}, redis-server on {redis.port}, Daphne, two workers")
            site.prepare()
            site.start_server()
            workers = {w: site.start_worker(w) for w in ("load-a", "load-b")}
            monitor.start()
            stack.callback(monitor.stop)
            bench = Bench(args, site, redis, monitor, db_url)
            stack.callback(bench.loop.close)
            bench.setup_users()
            for name, run in (
                ("sockets", bench.sockets),
                ("jobs", bench.jobs),
                ("readers", bench.readers),
                ("worker kill", lambda: bench.worker_kill(workers)),
                ("redis outage", bench.redis_outage),
            ):
                monitor.mark(name)
                before = tracebacks(site)
                results.append(run())
                results[-1].tracebacks = tracebacks(site) - before
                if results[-1].tracebacks:  # an outage or a killed worker is logged in a line, not as a crash
                    results[-1].miss(f"the servers logged {results[-1].tracebacks} tracebacks")
            monitor.stop()
            report(results, monitor, time.monotonic() - began)
    except (Deadline, KeyboardInterrupt) as exc:
        signal.alarm(0)
        print(f"\nbench-load stopped: {str(exc) or 'interrupted'}; every process it started has been stopped.")
        return 1
    finally:
        signal.alarm(0)
    return 1 if any(r.misses for r in results) else 0


def tracebacks(site: LiveSite) -> int:
    return sum(p.read_text(errors="replace").count("Traceback") for p in site.log_dir.glob("*.log"))


def report(results: list[Result], monitor: Monitor, seconds: float) -> None:
    print("\n== bench-load: scale-out (PostgreSQL, Redis, Daphne, 2 workers), all on 127.0.0.1")
    for r in results:
        print(f"-- {r.name}: {'ok' if not r.misses else 'MISSED'} ({r.tracebacks} tracebacks in the servers' logs)")
        for line in r.lines:
            print(f"   {line}")
        for line in r.misses:
            print(f"   MISSED: {line}")
    print(f"-- peaks (PostgreSQL max_connections {monitor.max_connections}):")
    for scenario, peak in list(monitor.peaks.items()):
        print(f"   {scenario:24s} PostgreSQL connections {peak['pg']:4d}   Redis clients {peak['redis']:4d}")
    missed = sum(len(r.misses) for r in results)
    print(f"== {'all targets met' if not missed else f'{missed} target(s) missed'} in {seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

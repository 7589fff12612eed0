"""The parts of the load suite (tests/bench/bench_load.py) that are not scenarios: a Redis of its
own that it may stop, a throwaway PostgreSQL database, a monitor of connection peaks, and clients
that behave like the site's pages (a job socket that reconnects with backoff, an anonymous reader).
Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import random
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.live import Client, wait_for


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# --- services ----------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this bench's own (no persistence) that it may stop and start again."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server") or "redis-server"
        log_file = open(self.root / "redis.log", "ab")  # closed with the process
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.root,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1)
        wait_for(lambda: self._ping(client), 20, 0.1, f"redis-server on port {self.port}")
        client.close()

    def _ping(self, client: Any) -> bool:
        import redis

        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{(self.root / 'redis.log').read_text()[-2000:]}")
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


@contextmanager
def throwaway_database(admin_url: str):
    import psycopg

    name = f"ip_bench_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.rpartition("/")[0] + "/" + name, name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Monitor(threading.Thread):
    """Samples PostgreSQL connections to the bench database and Redis clients every 0.2 s; keeps
    the peak of each per scenario (its own connections are not counted)."""

    def __init__(self, db_url: str, db_name: str, redis_url: str) -> None:
        super().__init__(daemon=True)
        self.db_url, self.db_name, self.redis_url = db_url, db_name, redis_url
        self.scenario = "start-up"
        self.peaks: dict[str, dict[str, int]] = {}
        self.halt = threading.Event()
        self.max_connections = 0

    def mark(self, scenario: str) -> None:
        self.scenario = scenario

    def stop(self) -> None:
        """Stops sampling and waits for the last sample, so the peaks can be read without racing it."""
        self.halt.set()
        if self.is_alive():
            self.join(timeout=5)

    def run(self) -> None:
        import psycopg
        import redis

        db = psycopg.connect(self.db_url, autocommit=True)
        self.max_connections = int(db.execute("SHOW max_connections").fetchone()[0])
        r = redis.Redis.from_url(self.redis_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            while not self.halt.wait(0.2):
                peaks = self.peaks.setdefault(self.scenario, {"pg": 0, "redis": 0})
                pg = db.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.db_name],
                ).fetchone()[0]
                peaks["pg"] = max(peaks["pg"], pg)
                try:
                    clients = int(r.info("clients")["connected_clients"]) - 1
                    peaks["redis"] = max(peaks["redis"], clients)
                except redis.RedisError:
                    pass  # Redis is down on purpose in one scenario
        finally:
            db.close()
            r.close()


# --- clients -----------------------------------------------------------------------------------


def set_cookie(jar: http.cookiejar.CookieJar, name: str, value: str) -> None:
    jar.set_cookie(
        http.cookiejar.Cookie(
            0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, False, None, None, {}
        )
    )


@dataclass
class User:
    name: str
    client: Client
    jobs: list[str] = field(default_factory=list)


class Sock:
    """One browser tab's job socket: records every event with its arrival time and how it closed.
    With `reconnect`, it behaves like static/js/jobsocket.js: reconnects after a drop (1 s doubling,
    each wait drawn from its upper half, capped at `max_backoff`) and runs `on_connect` each time."""

    def __init__(self, url: str, user: User, origin: str, reconnect: bool = False, max_backoff: float = 8.0) -> None:
        self.url, self.user, self.origin = url, user, origin
        self.reconnect, self.max_backoff = reconnect, max_backoff
        self.events: list[tuple[float, dict]] = []
        self.open_seconds: float | None = None
        self.open_since: float | None = None  # when the current connection opened; None while closed
        self.connects = 0
        self.closes: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.stopping = False
        self.on_connect: Any = None
        self.opened = asyncio.Event()
        self.task: Any = None

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        backoff = 1.0
        while not self.stopping:
            started = time.monotonic()
            headers = {"Cookie": self.user.client.cookie_header(), "Origin": self.origin}
            try:
                async with connect(self.url, additional_headers=headers, open_timeout=30, close_timeout=2) as ws:
                    if self.open_seconds is None:
                        self.open_seconds = time.monotonic() - started
                    self.connects += 1
                    self.open_since = time.monotonic()
                    self.opened.set()
                    backoff = 1.0
                    if self.on_connect is not None:
                        await self.on_connect()
                    try:
                        async for raw in ws:
                            self.events.append((time.time(), json.loads(raw)))
                    except ConnectionClosed:
                        pass
                    self.open_since = None
                    if not self.stopping:
                        self.closes[str(ws.close_code)] += 1
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                self.errors[type(exc).__name__] += 1
            if not self.reconnect or self.stopping:
                return
            await asyncio.sleep(backoff * (0.5 + random.random() / 2))
            backoff = min(backoff * 2, self.max_backoff)


class Loop:
    """An asyncio loop in a thread of its own, for the sockets; the bench itself stays synchronous."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.lags: list[float] = []  # how late the loop wakes up: the client's own share of delays
        asyncio.run_coroutine_threadsafe(self._probe(), self.loop)

    async def _probe(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.05)
            self.lags.append(time.monotonic() - started - 0.05)

    def call(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.call(cancel_all(), 15)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


def timed_get(url: str, timeout: float = 30) -> tuple[int, float]:
    """One anonymous GET without cookies (a reader from a share link): status, seconds."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        status = err.code
    except (urllib.error.URLError, OSError):
        status = 0  # no answer at all: counted as an error
    return status, time.monotonic() - started

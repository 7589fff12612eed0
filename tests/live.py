"""Real servers for tests and benchmarks: daphne and generation workers as child processes.

Everything talks to 127.0.0.1 only, every wait is bounded, and every process is stopped on exit.
The test process reaches these servers through HTTP and websockets, never through its own ORM.
"""

from __future__ import annotations

import atexit
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Sites run with DEBUG off, so they serve hashed static files from a STATIC_ROOT: one per test
# process, collected by the first site that prepares (a few seconds) and shared by the rest.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="instantpainting-static-"))
atexit.register(shutil.rmtree, STATIC_ROOT, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class LiveSite:
    """A site in a temporary folder: its own database, media and settings (from env only)."""

    root: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    worker_in_process: bool = True
    port: int = 0
    procs: list[subprocess.Popen] = field(default_factory=list)
    server: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.log_dir = self.root / "logs"
        self.log_dir.mkdir(exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "S3_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "instantpainting.settings",
                "VAR_DIR": str(self.root / "var"),
                "STATIC_ROOT": str(STATIC_ROOT),
                "DEBUG": "false",
                "SECRET_KEY": "live-test-secret-key-not-for-production-0123456789",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "WORKER_IN_PROCESS": "1" if self.worker_in_process else "0",
                "NO_DEMO_ADMIN": "1",
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "WARNING",
                "WORKER_HEARTBEAT_SECONDS": "0.5",
                "WORKER_STALE_SECONDS": "3",
                "GENERATION_RETRY_BACKOFF_SECONDS": "0.2",
                "DEFAULT_MODEL": "untrained-tiny",
                # Test clients all come from 127.0.0.1 and poll fast; the tests of throttles set their own.
                "THROTTLE_ANON": "100000/min",
                "THROTTLE_USER": "100000/min",
            }
        )
        env.update(self.env_extra)
        return env

    def manage(self, *args: str, timeout: float = 180) -> str:
        out = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if out.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def prepare(self) -> None:
        if not (STATIC_ROOT / "staticfiles.json").exists():
            self.manage("collectstatic", "--noinput", "-v", "0")
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("bootstrap")

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # closed with the process
        proc = subprocess.Popen(
            args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def start_server(self, timeout: float = 90) -> subprocess.Popen:
        self.server = self._spawn(
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "instantpainting.asgi:application"],
            f"daphne-{len(self.procs)}",
        )
        wait_for(self._up, timeout, 0.2, f"daphne on {self.url} (log: {self.log_dir})")
        return self.server

    def start_worker(self, worker_id: str, wait_ready: float = 120) -> subprocess.Popen:
        proc = self._spawn([PYTHON, "manage.py", "generation_worker", "--worker-id", worker_id], f"worker-{worker_id}")
        log = self.log_dir / f"worker-{worker_id}.log"
        wait_for(
            lambda: b"ready" in log.read_bytes() or proc.poll() is not None, wait_ready, 0.2, f"worker {worker_id}"
        )
        if proc.poll() is not None:
            raise RuntimeError(f"worker {worker_id} exited:\n{log.read_text()}")
        return proc

    def _up(self) -> bool:
        if self.server is not None and self.server.poll() is not None:
            raise RuntimeError(f"daphne exited:\n{self.logs()}")
        try:
            with urllib.request.urlopen(self.url + "/api/v1/models/", timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=30)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs.clear()

    def logs(self) -> str:
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.log_dir.glob("*.log"))
        )

    def sqlite(self) -> sqlite3.Connection:
        return sqlite3.connect(self.root / "var" / "db.sqlite3", timeout=20)

    def __enter__(self) -> LiveSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Client:
    """A browser-like HTTP client: keeps cookies, sends the CSRF token, speaks JSON."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, method: str, path: str, data: Any = None, headers: dict | None = None) -> tuple[int, Any, dict]:
        body = json.dumps(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        req.add_header("Accept", "application/json")
        req.add_header("Referer", self.base + "/")
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if self.cookie("csrftoken"):
            req.add_header("X-CSRFToken", self.cookie("csrftoken"))
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with self.opener.open(req, timeout=30) as resp:
                raw, status, hdrs = resp.read(), resp.status, dict(resp.headers)
        except urllib.error.HTTPError as err:
            raw, status, hdrs = err.read(), err.code, dict(err.headers)
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw
        return status, payload, hdrs

    def get(self, path: str) -> tuple[int, Any, dict]:
        return self.request("GET", path)

    def post(self, path: str, data: Any = None) -> tuple[int, Any, dict]:
        return self.request("POST", path, data if data is not None else {})

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def start_session(self) -> None:
        """Open the create page as a returning browser: the first view sets the CSRF cookie, the
        second (which sends it back) the guest key."""
        self.get("/")
        self.get("/")

    def wait_finished(self, gid: str, timeout: float = 120) -> dict:
        def done() -> dict | None:
            status, body, _ = self.get(f"/api/v1/generations/{gid}/")
            return body if status == 200 and body["status"] in ("succeeded", "failed", "canceled") else None

        return wait_for(done, timeout, 0.1, f"generation {gid}")

"""The soak/load suite itself (`make bench-load`) works, so it cannot rot: a tiny run of every
scenario meets every target; a missing service is named; its checks catch a lost, a duplicated
and a misdelivered event."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.bench.bench_load import Bench, Result
from tests.bench.load_rig import Monitor, Sock, User
from tests.conftest import REPO, need_service
from tests.live import Client

TINY = ["--users", "3", "--sockets", "5", "--jobs", "3", "--readers", "2", "--reader-seconds", "1"]
TINY += ["--outage", "2", "--outage-readers", "2", "--hold", "1", "--deadline", "300"]


@pytest.mark.services
@pytest.mark.timeout_guard
def test_a_tiny_run_of_the_load_suite_meets_every_target():
    need_service(bool(os.environ.get("TEST_POSTGRES_URL")), "PostgreSQL (TEST_POSTGRES_URL)")
    need_service(shutil.which("redis-server") is not None, "redis-server")
    run = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_load", *TINY], cwd=REPO, capture_output=True, text=True, timeout=360
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    for scenario in ("sockets", "jobs", "readers", "worker kill", "redis outage"):
        assert f"-- {scenario}: ok" in run.stdout
    assert "PostgreSQL connections" in run.stdout and "all targets met" in run.stdout


def test_without_postgres_it_says_what_to_start_and_exits_2():
    env = {k: v for k, v in os.environ.items() if k != "TEST_POSTGRES_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_load"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "TEST_POSTGRES_URL" in run.stderr and "redis-server" in run.stderr


def test_the_event_check_counts_lost_duplicated_and_misdelivered_events():
    hamlet, othello = User("hamlet", Client("http://127.0.0.1:9"), ["h1", "h2"]), User("othello", Client(""), ["o1"])
    sock = Sock("ws://127.0.0.1:9/", hamlet, "http://127.0.0.1:9")
    final = {"type": "generation.succeeded", "ts": 0.0}
    sock.events = [(0.1, {**final, "id": "h1"}), (0.2, {**final, "id": "h1"}), (0.3, {**final, "id": "o1"})]
    result = Result("check")
    delays = Bench.check_events([sock], result, jobs_of={"hamlet": {"h1", "h2"}, "othello": {"o1"}})
    assert delays == [0.1, 0.2, 0.3]
    assert result.misses == ["events: 1 lost, 1 duplicated, 1 misdelivered"]
    othello_sock = Sock("ws://127.0.0.1:9/", othello, "http://127.0.0.1:9")
    othello_sock.events = [(0.1, {**final, "id": "o1"}), (0.1, {"type": "generation.queued", "id": "o1", "jobs": []})]
    clean = Result("clean")
    Bench.check_events([othello_sock], clean, jobs_of={"othello": {"o1"}})
    assert clean.misses == []


@pytest.mark.services
def test_the_monitor_has_taken_its_last_sample_once_stopped():
    """The report reads the peaks after the monitor stops; a sample taken while it read them broke a run."""
    url = os.environ.get("TEST_POSTGRES_URL", "")
    need_service(bool(url), "PostgreSQL (TEST_POSTGRES_URL)")
    monitor = Monitor(url, "postgres", "redis://127.0.0.1:9/0")
    monitor.start()
    for scenario in ("one", "two"):
        monitor.mark(scenario)
        time.sleep(0.5)
    monitor.stop()
    assert not monitor.is_alive()
    seen = {scenario: dict(peak) for scenario, peak in monitor.peaks.items()}
    time.sleep(0.5)
    assert monitor.peaks == seen and set(seen) >= {"one", "two"}

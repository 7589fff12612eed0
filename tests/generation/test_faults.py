"""Faults with real processes: a worker killed mid-job, a server restarted with jobs queued.

Each test runs the site in child processes (daphne, `manage.py generation_worker`) on a file
SQLite database of its own and talks to it over HTTP only.
"""

from __future__ import annotations

import pytest

from tests.live import Client, LiveSite, wait_for

pytestmark = pytest.mark.timeout_guard
# A job big enough to still be running when we kill its worker: 8 pictures at 1024x1024, 8 candidates each.
BIG_JOB = {"prompt": "a long job", "width": 1024, "height": 1024, "n": 8, "candidates": 8, "seed": 1}


def _job_row(site: LiveSite, gid: str) -> tuple:
    with site.sqlite() as db:
        return db.execute(
            "select status, worker, attempts, error from generation_generation where public_id = ?",
            (gid.replace("-", ""),),
        ).fetchone()


def _wait_running(site: LiveSite, gid: str, timeout: float = 60) -> str:
    row = wait_for(lambda: (r := _job_row(site, gid)) and r[0] == "running" and r, timeout, 0.02, "job to start")
    return row[1]


def test_a_job_whose_worker_is_sigkilled_is_retried_on_a_live_worker(tmp_path):
    with LiveSite(tmp_path / "site", worker_in_process=False) as site:
        site.prepare()
        site.start_server()
        doomed = site.start_worker("doomed")
        client = Client(site.url)
        client.start_session()
        status, body, _ = client.post("/api/v1/generations/", BIG_JOB)
        assert status == 201, body
        gid = body["id"]
        assert _wait_running(site, gid) == "doomed"
        site.kill(doomed)  # SIGKILL: no chance to clean up
        site.start_worker("survivor")
        final = client.wait_finished(gid, timeout=180)
        assert final["status"] == "succeeded", site.logs()
        assert final["attempts"] == 2
        assert len(final["images"]) == 8
        assert _job_row(site, gid)[1] == "survivor"


def test_a_job_killed_on_its_last_attempt_fails_with_a_reason(tmp_path):
    site = LiveSite(tmp_path / "site", worker_in_process=False, env_extra={"GENERATION_MAX_ATTEMPTS": "1"})
    with site:
        site.prepare()
        site.start_server()
        doomed = site.start_worker("doomed")
        client = Client(site.url)
        client.start_session()
        gid = client.post("/api/v1/generations/", BIG_JOB)[1]["id"]
        _wait_running(site, gid)
        site.kill(doomed)
        site.start_worker("observer")  # its heartbeat thread is the reaper
        final = client.wait_finished(gid, timeout=60)
        assert final["status"] == "failed"
        assert final["error_code"] == "worker_lost"
        assert "stopped responding" in final["error"]


def test_jobs_queued_before_a_server_restart_complete_after_it(tmp_path):
    limits = {"LIMIT_GUEST_CONCURRENT": "10", "LIMIT_IP_CONCURRENT": "10"}
    with LiveSite(tmp_path / "site", worker_in_process=True, env_extra=limits) as site:
        site.prepare()
        first = site.start_server()
        client = Client(site.url)
        client.start_session()
        ids = [
            client.post("/api/v1/generations/", {**BIG_JOB, "n": 2, "prompt": f"job {i}"})[1]["id"] for i in range(4)
        ]
        site.kill(first)  # the server dies with jobs queued (and one perhaps running)
        states = {_job_row(site, gid)[0] for gid in ids}
        assert "queued" in states
        site.start_server()
        finals = [client.wait_finished(gid, timeout=180) for gid in ids]
        assert [f["status"] for f in finals] == ["succeeded"] * 4, site.logs()

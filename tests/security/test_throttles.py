"""Throttles and login limits: applied, shared between processes, and blind to forged addresses."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from instantpainting.settings import redis_cache
from tests.conftest import PASSWORD, REPO

MODELS = "/api/v1/models/"


@pytest.fixture
def rates(settings):
    def set_(**scopes: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes},
        }

    return set_


@pytest.mark.django_db
def test_the_anonymous_throttle_refuses_the_request_past_the_rate(rates):
    rates(anon="5/min")
    client = APIClient()
    codes = [client.get(MODELS).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert int(client.get(MODELS)["Retry-After"]) >= 1


@pytest.mark.django_db
def test_the_user_throttle_counts_each_user_on_its_own(rates, hamlet, othello):
    rates(user="3/min")
    hamlet_client, othello_client = APIClient(), APIClient()
    hamlet_client.force_login(hamlet)
    othello_client.force_login(othello)
    assert [hamlet_client.get(MODELS).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert othello_client.get(MODELS).status_code == 200


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_dodge_the_throttle(rates):
    rates(anon="2/min")
    client = APIClient()
    codes = [client.get(MODELS, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.django_db
def test_throttle_counts_live_in_the_database_cache_every_process_shares(rates, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "instantpainting_cache"}
    }
    rates(anon="2/min")
    client = APIClient()
    assert [client.get(MODELS).status_code for _ in range(2)] == [200, 200]
    # Another process (a cache object of its own) sees the same count: the next request is refused.
    other_process = DatabaseCache("instantpainting_cache", {})
    assert len(other_process.get("throttle_anon_127.0.0.1")) == 2
    assert client.get(MODELS).status_code == 429


@pytest.mark.django_db
@pytest.mark.services
def test_throttle_counts_live_in_redis_in_scale_out(rates, settings, redis_url):
    settings.CACHES = {"default": redis_cache(redis_url)}
    from django.core.cache import cache

    cache.clear()
    rates(anon="2/min")
    client = APIClient()
    assert [client.get(MODELS).status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()


@pytest.mark.django_db
def test_an_unreachable_throttle_cache_lets_requests_through_instead_of_failing_them(rates, settings):
    """Redis restarting must not turn every API request into a 500 (tests/bench/bench_load.py found it)."""
    from tests.live import free_port

    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": redis_cache(nothing_there)}
    rates(anon="1/min")
    try:
        client = APIClient()
        assert [client.get(MODELS).status_code for _ in range(3)] == [200, 200, 200]
        assert Client().get("/api/v1/posts/").status_code == 200  # the gallery's scoped throttles too
    finally:  # the shared fixtures clear the cache after the test
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
def test_logins_work_while_the_cache_holding_their_limits_is_unreachable(hamlet, iago, settings):
    """allauth's and the admin's login limits live in the cache: Redis down must not stop sign-in."""
    from tests.live import free_port

    iago.is_superuser = True
    iago.save()
    nothing_there = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": redis_cache(nothing_there)}
    try:
        site = Client().post("/accounts/login/", {"login": "hamlet", "password": PASSWORD})
        assert site.status_code == 302, site.content[:300]
        admin = Client().post("/admin/login/?next=/admin/", {"username": "iago", "password": PASSWORD})
        assert admin.status_code == 302
    finally:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# --- logins ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_login_stops_after_five_wrong_passwords_even_for_the_right_one(iago):
    iago.is_superuser = True
    iago.save()
    client = Client()
    for _ in range(5):
        assert client.post("/admin/login/", {"username": "iago", "password": "wrong"}).status_code == 200
    refused = client.post("/admin/login/", {"username": "iago", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/admin/").status_code == 302  # not logged in


@pytest.mark.django_db
def test_the_admin_login_still_works_after_a_few_mistakes(iago):
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": "iago", "password": "wrong"})
    assert client.post("/admin/login/?next=/admin/", {"username": "iago", "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_allauth_reads_the_client_address_behind_the_same_number_of_proxies():
    """One client spraying forwarded addresses must stay one client to allauth's limits too."""
    script = """
import django, json
django.setup()
from django.test import RequestFactory
from allauth.core.internal.httpkit import get_client_ip
from instantpainting.http import client_ip
request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
print(json.dumps([get_client_ip(request), client_ip(request)]))
"""
    env = {"DJANGO_SETTINGS_MODULE": "instantpainting.settings", "TRUSTED_PROXY_COUNT": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["203.0.113.9", "203.0.113.9"]


# --- uploads ---------------------------------------------------------------------------------


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "a.png"
    return buffer


@pytest.mark.django_db
def test_avatar_uploads_are_throttled(rates, hamlet):
    rates(avatar_upload="2/hour")
    client = Client()
    client.force_login(hamlet)
    codes = [client.post("/settings/", {"action": "avatar", "avatar": _png()}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_migrate_creates_the_database_cache_table(tmp_path):
    """The test database gets it from Django's test runner; a real site only from `migrate`."""
    import sqlite3

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "instantpainting.settings", "VAR_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("select name from sqlite_master where name = 'instantpainting_cache'").fetchone()


@pytest.mark.django_db
def test_typing_a_prompt_never_uses_up_the_budget_that_generate_needs(rates, registered_models):
    """The create page checks the prompt as people type; that has a limit of its own."""
    rates(anon="3/min", prompt_check="5/min")
    client = APIClient()
    check = "/api/v1/models/demo-landscape/check/"
    codes = [client.post(check, {"prompt": f"a lake at dawn {i}"}, format="json").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]  # the check is limited on its own scope
    assert [client.get(MODELS).status_code for _ in range(3)] == [200, 200, 200]  # the API budget is whole

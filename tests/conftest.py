"""Shared fixtures: named people (hamlet creates, othello is another user, iago moderates)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache

REPO = Path(__file__).resolve().parent.parent
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "correct-horse-battery-staple-7"


# What `make test-quick` leaves out: model training, the browser, real processes, the scale-out.
SLOW_FOLDERS = ("training", "e2e", "scaleout")
SLOW_MARKERS = ("timeout_guard", "services", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        folder = Path(item.path).relative_to(REPO / "tests").parts[0]
        if folder in SLOW_FOLDERS or any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


def need_service(ok: bool, what: str) -> None:
    """Skip a test whose service is missing, except on CI, where a missing service is a failure."""
    if ok:
        return
    if ON_CI:
        pytest.fail(f"{what} is required on CI (CI=true) but is not available")
    pytest.skip(f"{what} is not available on this machine")


@pytest.fixture(autouse=True)
def _positions_at_once(settings):
    """Queue positions are published inline in tests (no timer thread outliving a test's
    database); tests/generation/test_queue_tick.py tests the tick."""
    settings.QUEUE_TICK_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 at full strength costs seconds per test on a shared CPU; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles(settings):
    """Throttle counters live in the cache; every test starts with none. Tests keep them in local
    memory (the site's database cache would need the database in every test); the shared caches
    are tested on their own (tests/security/test_throttles.py)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def login(client):
    """Log the test client in as a named person (or stay a guest for None)."""

    def as_(user):
        if user is not None:
            assert client.login(username=user.username, password=PASSWORD)
        return client

    return as_


@pytest.fixture
def people(hamlet, othello, iago):
    return {"hamlet": hamlet, "othello": othello, "iago": iago, "guest": None}


@pytest.fixture
def client_as(people, client_factory):
    def make(who: str):
        return client_factory(people[who])

    return make


@pytest.fixture
def client_factory(db):
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Unit tests serve static files from the source tree (no collectstatic); the live sites of the
    # browser and process tests serve the collected, hashed ones (tests/live.py).
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    def make(username: str, **extra):
        return get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password=PASSWORD, **extra
        )

    return make


@pytest.fixture
def hamlet(make_user):
    return make_user("hamlet")


@pytest.fixture
def othello(make_user):
    return make_user("othello")


@pytest.fixture
def iago(make_user):
    from django.contrib.auth.models import Permission

    user = make_user("iago", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    return user


@pytest.fixture
def registered_models(db):
    """The bundled model packages, registered as the site registers them at start-up."""
    from generation.services import models_register_from_disk

    return models_register_from_disk()


@pytest.fixture
def tiny_model(registered_models):
    """The small fast model the tests generate with (the untrained placeholder package)."""
    from generation.models import GeneratorModel

    model = GeneratorModel.objects.get(name="untrained-tiny")
    GeneratorModel.objects.update(is_default=False)
    GeneratorModel.objects.filter(pk=model.pk).update(is_default=True, enabled=True)
    model.refresh_from_db()
    return model


def chromium_path() -> str | None:
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "")
    need_service(bool(url), "Redis (TEST_REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as exc:
        need_service(False, f"Redis at {url} ({exc})")
    return url

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 at full strength costs seconds per test on a shared CPU; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; every test starts with none."""
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

"""Fixtures the community tests share: a banned person's client beside the usual roles."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def banned(make_user):
    """A client logged in as a person who was banned afterwards (the account is inactive)."""
    user = make_user("lodovico")
    client = Client()
    client.force_login(user)
    user.is_active = False
    user.save()
    return client


@pytest.fixture
def as_(client_as, banned):
    """A client for a role: hamlet, othello, iago (moderator), guest, or banned."""
    return lambda who: banned if who == "banned" else client_as(who)

"""The Server-Timing header is for benchmarks: absent unless SERVER_TIMING is on."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_no_server_timing_by_default(client):
    assert "Server-Timing" not in client.get("/gallery/")


def test_server_timing_when_turned_on(client, settings):
    settings.SERVER_TIMING = True
    header = client.get("/gallery/")["Server-Timing"]
    assert header.startswith("app;dur=") and float(header.split("dur=")[1]) > 0

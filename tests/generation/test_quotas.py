"""Job limits hold when requests arrive at once, and a full queue pushes back (429 + Retry-After)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from generation.models import Generation
from tests.generation.conftest import job

URL = "/api/v1/generations/"


def fire_at_once(clients: list[APIClient], payload: dict) -> list[int]:
    """POST from every client in its own thread, released together; the status codes."""
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def send(client: APIClient) -> None:
        try:
            barrier.wait(timeout=30)
            codes.append(client.post(URL, payload, format="json").status_code)
        finally:
            connection.close()  # this thread's own database connection

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


@pytest.mark.django_db(transaction=True)
def test_twenty_requests_at_once_get_no_more_than_the_concurrent_limit(hamlet, tiny_model, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user": {"concurrent": 4, "hourly": 100}}
    clients = []
    for _ in range(20):
        client = APIClient()
        client.force_login(hamlet)
        clients.append(client)
    codes = fire_at_once(clients, job())
    assert sorted(codes) == [201] * 4 + [429] * 16
    assert Generation.objects.filter(user=hamlet).count() == 4


@pytest.mark.django_db(transaction=True)
def test_guests_on_one_address_share_its_hourly_limit_under_a_burst(tiny_model, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ip": {"concurrent": 100, "hourly": 3}}
    codes = fire_at_once([APIClient() for _ in range(12)], job())  # 12 guests, one address
    assert sorted(codes) == [201] * 3 + [429] * 9
    assert Generation.objects.count() == 3


@pytest.mark.django_db
def test_a_full_queue_answers_429_with_retry_after(api, othello_api, tiny_model, settings):
    settings.QUEUE_MAX_QUEUED = 2
    assert api.post(URL, job(), format="json").status_code == 201
    assert api.post(URL, job(), format="json").status_code == 201
    resp = othello_api.post(URL, job(), format="json")
    assert resp.status_code == 429
    assert resp.json()["code"] == "rate_limited"
    assert int(resp["Retry-After"]) >= 1

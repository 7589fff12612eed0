"""POST /api/v1/generations/: what is accepted, what is refused and how."""

from __future__ import annotations

import pytest

from generation.models import Generation, GeneratorModel
from tests.generation.conftest import job

URL = "/api/v1/generations/"
pytestmark = pytest.mark.django_db


def test_guest_creates_a_job_and_gets_id_position_url_and_socket(api, tiny_model):
    resp = api.post(URL, job(), format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert set(body) == {"id", "status", "position", "url", "ws_url"}
    assert body["status"] == "queued"
    assert body["position"] == 1
    assert body["ws_url"].endswith("/ws/generations/")
    generation = Generation.objects.get(public_id=body["id"])
    assert generation.user is None and generation.guest_key
    assert generation.model == tiny_model
    assert generation.task_id


def test_user_job_belongs_to_user_and_records_every_setting(hamlet_api, hamlet, tiny_model):
    resp = hamlet_api.post(
        URL,
        job(width=768, height=512, n=3, seed=123, style="watercolor", negative_prompt="blurry", candidates=2),
        format="json",
    )
    assert resp.status_code == 201, resp.content
    generation = Generation.objects.get(public_id=resp.json()["id"])
    assert generation.user == hamlet
    assert (generation.width, generation.height, generation.n, generation.seed) == (768, 512, 3, 123)
    assert generation.style == "watercolor"
    assert generation.options["negative_prompt"] == "blurry"
    assert generation.options["candidates"] == 2


def test_missing_seed_is_drawn_and_recorded(api, tiny_model):
    payload = job()
    payload.pop("seed")
    first = api.post(URL, payload, format="json").json()
    second = api.post(URL, payload, format="json").json()
    seeds = {Generation.objects.get(public_id=b["id"]).seed for b in (first, second)}
    assert len(seeds) == 2
    assert all(0 <= s <= 2**32 - 1 for s in seeds)


def test_prompt_is_trimmed(api, tiny_model):
    body = api.post(URL, job(prompt="   a quiet lake   "), format="json").json()
    assert Generation.objects.get(public_id=body["id"]).prompt == "a quiet lake"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "    \n\t "}, "prompt"),
        ({"prompt": "x" * 1001}, "prompt"),
        ({"prompt": ["a", "list"]}, "prompt"),
        ({"width": 192}, "width"),
        ({"width": 1088}, "width"),
        ({"width": 500}, "width"),
        ({"height": "tall"}, "height"),
        ({"height": 1024.5}, "height"),
        ({"n": 0}, "n"),
        ({"n": 9}, "n"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"seed": "lucky"}, "seed"),
        ({"style": "not-a-style"}, "style"),
        ({"model": "no-such-model"}, "model"),
        ({"candidates": 9}, "candidates"),
        ({"style_strength": 1.5}, "style_strength"),
        ({"truncation": 0}, "truncation"),
        ({"remix_of": "not-a-post"}, "remix_of"),
        ({"remix_of": 0}, "remix_of"),
    ],
)
def test_bad_input_gets_a_field_error_and_creates_nothing(api, tiny_model, overrides, field):
    resp = api.post(URL, job(**overrides), format="json")
    assert resp.status_code == 400, resp.content
    body = resp.json()
    assert field in body, body
    assert isinstance(body[field], list) and body[field][0]
    assert Generation.objects.count() == 0


def test_prompt_of_exactly_1000_characters_is_accepted(api, tiny_model):
    assert api.post(URL, job(prompt="y" * 1000), format="json").status_code == 201


def test_disabled_model_is_refused(api, tiny_model):
    GeneratorModel.objects.filter(pk=tiny_model.pk).update(enabled=False)
    resp = api.post(URL, job(model="untrained-tiny"), format="json")
    assert resp.status_code == 400
    assert "model" in resp.json()


def test_malformed_json_is_a_400(api, tiny_model):
    resp = api.generic("POST", URL, "{not json", content_type="application/json")
    assert resp.status_code == 400
    assert Generation.objects.count() == 0


def test_blocklisted_prompt_is_refused_with_a_clear_message(api, tiny_model):
    from generation.models import BlockedTerm

    BlockedTerm.objects.create(term="Forbidden Thing")
    resp = api.post(URL, job(prompt="a picture of a forbidden thing at dawn"), format="json")
    assert resp.status_code == 400
    assert "Forbidden Thing" in resp.json()["prompt"][0]


def test_script_in_prompt_is_stored_verbatim_and_rendered_escaped(api, tiny_model):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    body = api.post(URL, job(prompt=payload), format="json").json()
    assert Generation.objects.get(public_id=body["id"]).prompt == payload
    page = api.get(body["url"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html
    assert "<img src=x onerror" not in html


def test_guest_concurrent_limit_answers_429_with_retry_after(api, tiny_model, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guest": {"concurrent": 2, "hourly": 100}}
    for _ in range(2):
        assert api.post(URL, job(), format="json").status_code == 201
    resp = api.post(URL, job(), format="json")
    assert resp.status_code == 429
    assert int(resp["Retry-After"]) >= 1
    assert "progress" in resp.json()["detail"]
    assert Generation.objects.count() == 2


def test_user_hourly_limit_counts_finished_jobs_too(hamlet_api, tiny_model, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user": {"concurrent": 10, "hourly": 2}}
    for _ in range(2):
        gid = hamlet_api.post(URL, job(), format="json").json()["id"]
        Generation.objects.filter(public_id=gid).update(status="succeeded")
    resp = hamlet_api.post(URL, job(), format="json")
    assert resp.status_code == 429
    assert 60 <= int(resp["Retry-After"]) <= 3601


def test_per_ip_limit_applies_across_guests(tiny_model, settings):
    from rest_framework.test import APIClient

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ip": {"concurrent": 2, "hourly": 100}}
    statuses = [APIClient(REMOTE_ADDR="10.1.2.3").post(URL, job(), format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert APIClient(REMOTE_ADDR="10.9.9.9").post(URL, job(), format="json").status_code == 201


def test_guest_limit_is_stricter_than_user_limit(settings):
    limits = settings.RATE_LIMITS
    assert limits["guest"]["concurrent"] < limits["user"]["concurrent"]
    assert limits["guest"]["hourly"] < limits["user"]["hourly"]


def test_token_authentication_creates_jobs_for_the_token_owner(hamlet, tiny_model):
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    call_command("drf_create_token", "hamlet")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=hamlet).key}")
    resp = client.post(URL, job(), format="json")
    assert resp.status_code == 201
    assert Generation.objects.get(public_id=resp.json()["id"]).user == hamlet
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.post(URL, job(), format="json").status_code == 401


def test_x_forwarded_for_is_ignored_unless_behind_a_trusted_proxy(tiny_model, settings):
    from rest_framework.test import APIClient

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "ip": {"concurrent": 1, "hourly": 100}}
    assert APIClient(REMOTE_ADDR="10.1.2.3").post(URL, job(), format="json").status_code == 201
    spoofed = APIClient(REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert spoofed.post(URL, job(), format="json").status_code == 429  # a made-up header changes nothing
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = APIClient(REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.post(URL, job(), format="json").status_code == 201
    assert Generation.objects.filter(client_ip="203.0.113.9").count() == 1

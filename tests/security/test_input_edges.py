"""Input at the edges: bodies too deep or too large, bad socket frames, cross-site guest posts,
sign-up that must not reveal addresses, look-alike usernames, cookieless page views."""

from __future__ import annotations

import json

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from generation.models import Generation
from instantpainting.parsers import json_depth
from instantpainting.routing import build_application
from tests.conftest import PASSWORD
from tests.generation.conftest import job

URL = "/api/v1/generations/"


# --- JSON bodies ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_json_nested_a_thousand_deep_is_a_400_not_a_500(tiny_model):
    body = "[" * 1000 + "]" * 1000
    resp = APIClient().post(URL, body, content_type="application/json")
    assert resp.status_code == 400
    assert "nested" in resp.json()["detail"]


@pytest.mark.django_db
def test_a_json_body_over_the_size_limit_is_a_400(tiny_model, settings):
    settings.API_JSON_MAX_BYTES = 1024
    resp = APIClient().post(URL, json.dumps(job(prompt="x" * 2000)), content_type="application/json")
    assert resp.status_code == 400
    assert "too large" in resp.json()["detail"]


@pytest.mark.django_db
def test_a_request_within_the_limits_is_still_accepted(tiny_model):
    resp = APIClient().post(URL, json.dumps(job(prompt="[{ a bracket }] in a prompt")), content_type="application/json")
    assert resp.status_code == 201, resp.content


@pytest.mark.django_db
def test_broken_json_and_nan_are_400s(tiny_model):
    for body in ['{"prompt": ', '{"prompt": "x", "seed": NaN}', b"\xff\xfe"]:
        resp = APIClient().post(URL, body, content_type="application/json")
        assert resp.status_code == 400, body


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth(b'{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert json_depth(b'"\\"[["') == 0


# --- websocket frames ----------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_bad_socket_frames_get_an_error_and_the_socket_stays_open():
    comm = WebsocketCommunicator(build_application(), "/ws/generations/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await comm.connect(timeout=5)
    assert connected
    for frame in ({"text_data": "not json {"}, {"bytes_data": b"\x00\x01"}, {"text_data": "[" * 3000}):
        await comm.send_to(**frame)
        reply = await comm.receive_json_from(timeout=3)
        assert (reply["type"], reply["code"]) == ("error", "bad_frame")
    await comm.send_to(text_data='{"hello": 1}')  # valid JSON is ignored, as before
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


# --- cross-site posts by guests ------------------------------------------------------------


@pytest.mark.django_db
def test_a_cross_site_form_post_by_a_guest_creates_no_job(tiny_model):
    client = Client()
    for headers in ({"HTTP_ORIGIN": "https://evil.example"}, {"HTTP_SEC_FETCH_SITE": "cross-site"}):
        resp = client.post(URL, job(), **headers)  # form-encoded, as an HTML form on another site sends it
        assert resp.status_code == 403
    assert not Generation.objects.exists()


@pytest.mark.django_db
def test_same_origin_browsers_and_plain_api_clients_still_create_jobs(tiny_model, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://painting.example"]
    same = APIClient().post(
        URL, job(), format="json", HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin"
    )
    trusted = APIClient().post(URL, job(), format="json", HTTP_ORIGIN="https://painting.example")
    script = APIClient().post(URL, job(), format="json")
    assert (same.status_code, trusted.status_code, script.status_code) == (201, 201, 201)


# --- sign-up -------------------------------------------------------------------------------


def _sign_up(client: Client, username: str, email: str):
    return client.post(
        "/accounts/signup/", {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


@pytest.mark.django_db
def test_sign_up_with_a_registered_email_answers_like_a_new_one(hamlet, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"  # the default once EMAIL_HOST is set
    new = _sign_up(Client(), "rosalind", "rosalind@example.com")
    taken = _sign_up(Client(), "rosencrantz", "hamlet@example.com")
    assert (new.status_code, new["Location"]) == (taken.status_code, taken["Location"])
    assert not get_user_model().objects.filter(username="rosencrantz").exists()
    # The address's owner is told; the person signing up learns nothing.
    assert any("hamlet@example.com" in m.to for m in mail.outbox)


@pytest.mark.django_db
@pytest.mark.parametrize("lookalike", ["ａｄｍｉｎ", "ADMIN", "Admin", "ａＤｍｉｎ"])
def test_usernames_that_normalise_to_a_taken_one_are_refused(make_user, lookalike):
    make_user("admin")
    resp = _sign_up(Client(), lookalike, "someone@example.com")
    assert resp.status_code == 200
    assert "username" in resp.context["form"].errors
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_a_full_width_username_is_stored_in_its_normal_form(db):
    _sign_up(Client(), "ｒｏｓａｌｉｎｄ", "rosalind@example.com")
    assert get_user_model().objects.filter(username="rosalind").exists()


# --- sessions ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cookieless_page_views_store_no_session(tiny_model):
    for _ in range(5):
        Client().get("/")
        Client().get("/gallery/")
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_a_browser_that_keeps_cookies_gets_its_guest_key_on_the_second_view(tiny_model):
    browser = Client()
    first = browser.get("/")
    assert b'"subscribed": false' in first.content
    second = browser.get("/")
    assert b'"subscribed": true' in second.content
    assert Session.objects.count() == 1

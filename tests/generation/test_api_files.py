"""API clients reach their own files: absolute URLs in every API answer, token auth on the file views."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db


def token_client(user=None, key: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None or key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key or Token.objects.get_or_create(user=user)[0].key}")
    return client


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_generation_api_gives_absolute_image_urls_a_token_client_can_download(hamlet):
    image = make_image(user=hamlet)
    api = token_client(hamlet)
    body = api.get(f"/api/v1/generations/{image.generation.public_id}/").json()
    shown = body["images"][0]
    assert shown["url"].startswith("http://testserver/i/") and shown["thumb_url"].startswith("http://testserver/i/")
    assert body["url"].startswith("http://testserver/")
    listed = api.get("/api/v1/generations/").json()["results"][0]["images"][0]
    assert listed["url"] == shown["url"]
    png = api.get(urlsplit(shown["url"]).path)
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert body_of(png).startswith(b"\x89PNG")
    download = api.get(urlsplit(shown["url"]).path + "?download=1")
    assert "attachment" in download["Content-Disposition"]
    thumb = api.get(urlsplit(shown["thumb_url"]).path)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"


def test_another_token_a_guest_and_a_wrong_token_cannot_fetch_a_private_image(hamlet, othello):
    image = make_image(user=hamlet)
    paths = [image.get_file_url(), image.get_thumb_url()]
    for path in paths:
        assert token_client(othello).get(path).status_code == 404
        assert token_client().get(path).status_code == 404
        wrong = token_client(key="0" * 40).get(path)
        assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Token"
        assert token_client(hamlet).get(path).status_code == 200


def test_a_banned_users_token_no_longer_fetches_files(hamlet):
    image = make_image(user=hamlet)
    api = token_client(hamlet)
    assert api.get(image.get_file_url()).status_code == 200
    hamlet.is_active = False
    hamlet.save()
    assert api.get(image.get_file_url()).status_code == 401


def test_a_wrong_token_does_not_fall_back_to_the_session(client, hamlet):
    image = make_image(user=hamlet)
    client.force_login(hamlet)
    assert client.get(image.get_file_url()).status_code == 200
    assert client.get(image.get_file_url(), HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_gallery_api_urls_are_absolute_and_public_images_need_no_token(hamlet):
    post = make_post(user=hamlet, title="dusk")
    row = token_client().get("/api/v1/posts/").json()["results"][0]
    for key in ("image_url", "thumb_url", "url", "share_url"):
        assert row[key].startswith("http://testserver/"), key
    assert row["author"]["profile_url"].startswith("http://testserver/")
    assert token_client().get(urlsplit(row["image_url"]).path).status_code == 200
    assert row["id"] == post.pk

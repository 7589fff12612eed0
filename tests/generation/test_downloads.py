"""Downloads: a picture as PNG, WebP or JPEG (converted from the stored PNG), and a job's pictures as
one zip — for the owner (and for a published picture, anyone); someone else's is a 404."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(("fmt", "pil", "kind", "ext"), [
    ("webp", "WEBP", "image/webp", "webp"),
    ("jpeg", "JPEG", "image/jpeg", "jpg"),
    ("JPG", "JPEG", "image/jpeg", "jpg"),
    ("png", "PNG", "image/png", "png"),
])  # fmt: skip
def test_the_owner_downloads_a_picture_in_each_format(client, hamlet, fmt, pil, kind, ext):
    image = make_image(user=hamlet, width=64, height=48)
    client.force_login(hamlet)
    response = client.get(f"{image.get_file_url()}?format={fmt}&download=1")
    assert response.status_code == 200 and response["Content-Type"] == kind
    assert response["Content-Disposition"].startswith("attachment") and f".{ext}" in response["Content-Disposition"]
    with Image.open(io.BytesIO(body_of(response))) as picture:
        assert picture.format == pil and picture.size == (64, 48)
    shown = client.get(f"{image.get_file_url()}?format={fmt}")  # not a download: shown inline
    assert shown.status_code == 200 and "attachment" not in shown.get("Content-Disposition", "")


@pytest.mark.parametrize("fmt", ["gif", "", "<script>", "x" * 500, "../png"])
def test_an_unknown_format_is_a_clear_400(client, hamlet, fmt):
    image = make_image(user=hamlet)
    client.force_login(hamlet)
    response = client.get(image.get_file_url(), {"format": fmt})
    if fmt == "":
        assert response.status_code == 200 and response["Content-Type"] == "image/png"  # the default
        return
    assert response.status_code == 400
    text = response.content.decode()
    assert "png, webp or jpeg" in text and "<script>" not in text and len(text) < 200


def test_someone_elses_private_picture_is_404_in_every_format(client, hamlet, othello):
    image = make_image(user=hamlet)
    client.force_login(othello)
    for fmt in ("png", "webp", "jpeg", "bogus"):
        assert client.get(image.get_file_url(), {"format": fmt, "download": 1}).status_code == 404
    client.logout()
    assert client.get(image.get_file_url(), {"format": "webp"}).status_code == 404


def test_a_published_picture_converts_for_anyone(client, hamlet):
    post = make_post(user=hamlet, title="dusk")
    image = post.image
    response = client.get(image.get_file_url(), {"format": "webp"})
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"


def test_download_all_zips_every_picture_of_my_job_in_order(client, hamlet):
    first = make_image(user=hamlet, width=32, height=32)
    second = make_image(generation=first.generation, width=32, height=32)
    client.force_login(hamlet)
    url = f"/generations/{first.generation.public_id}/pictures.zip"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"] and ".zip" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body_of(response))) as archive:
        names = archive.namelist()
        assert len(names) == 2 and names[0].startswith("01-") and names[1].startswith("02-")
        assert names[0].endswith(f"-{first.seed}.png") and names[1].endswith(f"-{second.seed}.png")
        assert archive.read(names[0]).startswith(b"\x89PNG")
        assert archive.testzip() is None


def test_download_all_is_404_for_anyone_else_and_for_a_job_without_pictures(client, hamlet, othello):
    from tests.gallery.factories import make_generation

    image = make_image(user=hamlet)
    url = f"/generations/{image.generation.public_id}/pictures.zip"
    client.force_login(othello)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404  # a guest
    client.force_login(hamlet)
    empty = make_generation(user=hamlet)
    assert client.get(f"/generations/{empty.public_id}/pictures.zip").status_code == 404
    assert client.get("/generations/not-a-uuid/pictures.zip").status_code == 404


def test_download_all_takes_the_api_token_like_the_picture_files(hamlet, othello):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    image = make_image(user=hamlet)
    make_image(generation=image.generation)
    url = f"/generations/{image.generation.public_id}/pictures.zip"

    def with_token(key: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    mine = with_token(Token.objects.get_or_create(user=hamlet)[0].key).get(url)
    assert mine.status_code == 200 and mine["Content-Type"] == "application/zip"
    assert with_token(Token.objects.get_or_create(user=othello)[0].key).get(url).status_code == 404
    wrong = with_token("0" * 40).get(url)
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Token"

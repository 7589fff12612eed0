"""Script payloads in prompt, title and bio render escaped everywhere they appear."""

from __future__ import annotations

import pytest

from accounts.services import profile_update
from gallery.services import post_report
from tests.gallery.factories import XSS_PAYLOADS, make_image, make_post

pytestmark = pytest.mark.django_db

ESCAPED = {
    "<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
    '"><img src=x onerror=alert(1)>': "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
}


def assert_escaped(html: str, payload: str) -> None:
    assert payload not in html
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert ESCAPED[payload] in html


@pytest.fixture(params=XSS_PAYLOADS)
def payload(request):
    return request.param


@pytest.fixture
def evil_post(hamlet, othello, payload):
    post = make_post(user=hamlet, title=payload, prompt=f"a cat {payload}", style="")
    profile_update(user=hamlet, display_name=payload[:50], bio=payload)
    post_report(post=post, user=othello, reason="other", details=payload)
    return post


def test_post_share_and_detail_pages_escape_prompt_title_and_name(client, evil_post, payload):
    for url in [evil_post.get_share_path(), evil_post.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert_escaped(html, payload)
        # Inside the share tags too (attribute values).
        assert f'<meta property="og:title" content="{ESCAPED[payload]}">' in html
        assert f'<meta name="twitter:description" content="a cat {ESCAPED[payload]}">' in html


def test_feed_profile_and_api_escape_or_encode(client, evil_post, payload):
    assert_escaped(client.get("/gallery/").content.decode(), payload)
    assert_escaped(client.get("/u/hamlet/").content.decode(), payload)
    # JSON carries the text as data, for clients to escape.
    assert client.get(f"/api/v1/posts/{evil_post.pk}/").json()["title"] == payload


def test_publish_settings_and_report_pages_escape(client_as, hamlet, evil_post, payload):
    image = make_image(user=hamlet, prompt=payload)
    assert_escaped(client_as("hamlet").get(f"/publish/{image.public_id}/").content.decode(), payload)
    assert_escaped(client_as("hamlet").get("/publish/").content.decode(), payload)
    assert_escaped(client_as("hamlet").get("/settings/").content.decode(), payload)
    assert_escaped(client_as("othello").get(f"/p/{evil_post.pk}/report/").content.decode(), payload)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/gallery/post/",
        "/admin/gallery/report/",
        "/admin/generation/generation/",
        "/admin/generation/generationimage/",
        "/admin/accounts/profile/",
    ],
)
def test_admin_changelists_escape(client_as, evil_post, payload, url):
    html = client_as("iago").get(url).content.decode()
    assert "onerror=alert(1)>" not in html and "<script>alert(1)" not in html
    assert "&lt;" in html  # the payload is there, escaped


def test_admin_change_pages_escape(client_as, evil_post, payload):
    for url in [
        f"/admin/gallery/post/{evil_post.pk}/change/",
        f"/admin/generation/generation/{evil_post.image.generation_id}/change/",
    ]:
        html = client_as("iago").get(url).content.decode()
        assert "onerror=alert(1)>" not in html and "<script>alert(1)" not in html

"""Share pages: absolute OpenGraph/Twitter tags, the 1200×630 preview, the QR code, and removals."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from gallery.imaging import PREVIEW_BACKGROUND, qr_png
from gallery.services import post_set_hidden
from tests.gallery.factories import make_post

pytestmark = pytest.mark.django_db


class MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            a = dict(attrs)
            key = a.get("property") or a.get("name")
            if key:
                self.tags[key] = a.get("content") or ""


def meta(html: str) -> dict[str, str]:
    parser = MetaTags()
    parser.feed(html)
    return parser.tags


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_share_page_has_absolute_opengraph_and_twitter_tags(client, hamlet):
    post = make_post(user=hamlet, title="Foggy light", prompt="a lighthouse in fog")
    html = client.get(post.get_share_path()).content.decode()
    tags = meta(html)
    share = f"http://testserver/s/{post.share_code}/"
    assert tags["og:title"] == "Foggy light"
    assert tags["og:description"] == "a lighthouse in fog"
    assert tags["og:url"] == share
    assert tags["og:image"] == share + "preview.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == share + "preview.png"
    assert f'<link rel="canonical" href="{share}">' in html


def test_the_detail_page_carries_the_same_share_url(client, hamlet):
    post = make_post(user=hamlet)
    tags = meta(client.get(post.get_absolute_url()).content.decode())
    assert tags["og:url"] == f"http://testserver/s/{post.share_code}/"


def test_site_url_wins_over_the_request_host(client, hamlet, settings):
    settings.SITE_URL = "https://paint.example.org/"
    post = make_post(user=hamlet)
    tags = meta(client.get(post.get_share_path()).content.decode())
    assert tags["og:url"] == f"https://paint.example.org/s/{post.share_code}/"
    assert tags["og:image"].startswith("https://paint.example.org/s/")
    api = client.get(f"/api/v1/posts/{post.pk}/").json()
    assert api["share_url"] == f"https://paint.example.org/s/{post.share_code}/"


def test_the_preview_is_a_1200x630_png_letterboxed_and_cached(client, hamlet):
    post = make_post(user=hamlet, width=40, height=80)  # a tall picture: bars left and right
    response = client.get(post.get_share_path() + "preview.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"]
    with Image.open(io.BytesIO(body_of(response))) as preview:
        assert preview.format == "PNG" and preview.size == (1200, 630)
        assert preview.getpixel((5, 315)) == PREVIEW_BACKGROUND
        assert preview.getpixel((600, 315)) == (200, 60, 60)
    assert default_storage.exists(post.preview_storage_name)
    # The second request reuses the stored file instead of drawing it again.
    with default_storage.open(post.preview_storage_name, "wb") as handle:
        handle.write(b"\x89PNG cached marker")
    assert body_of(client.get(post.get_share_path() + "preview.png")) == b"\x89PNG cached marker"


def test_the_qr_code_decodes_and_encodes_the_absolute_share_url(client, hamlet):
    post = make_post(user=hamlet)
    response = client.get(post.get_share_path() + "qr.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as qr:
        assert qr.format == "PNG"
        assert qr.width == qr.height and qr.width >= 100
    assert response.content == qr_png(f"http://testserver/s/{post.share_code}/")


def test_share_buttons_point_at_weibo_x_and_facebook_with_the_share_url(client, hamlet):
    post = make_post(user=hamlet, title="Dusk")
    html = client.get(post.get_share_path()).content.decode().replace("&amp;", "&")
    share = f"http://testserver/s/{post.share_code}/"
    found = {}
    for host, key in [("service.weibo.com", "url"), ("twitter.com", "url"), ("www.facebook.com", "u")]:
        start = html.index(f"https://{host}/")
        url = html[start : html.index('"', start)]
        found[host] = parse_qs(urlsplit(url).query)[key][0]
    assert set(found.values()) == {share}
    assert "data-webshare" in html and "data-copy" in html
    assert f'value="{share}"' in html


@pytest.mark.parametrize("suffix", ["", "preview.png", "qr.png"])
def test_a_hidden_post_answers_410_on_every_share_url(client, hamlet, iago, suffix):
    post = make_post(user=hamlet)
    post_set_hidden(post=post, hidden=True, by=iago)
    assert client.get(post.get_share_path() + suffix).status_code == 410


def test_the_410_page_does_not_leak_the_post(client, hamlet, iago):
    post = make_post(user=hamlet, title="Secret title", prompt="secret prompt")
    post_set_hidden(post=post, hidden=True, by=iago)
    html = client.get(post.get_share_path()).content.decode()
    assert "Secret title" not in html and "secret prompt" not in html
    assert "og:image" not in html


def test_an_unpublished_image_has_no_share_url(client, hamlet):
    from gallery.services import post_unpublish

    post = make_post(user=hamlet)
    code = post.share_code
    post_unpublish(post=post, user=hamlet)
    for suffix in ["", "preview.png", "qr.png"]:
        assert client.get(f"/s/{code}/{suffix}").status_code == 404

"""The community loop in a real browser, on PC and phone widths: sign up, generate, publish, open
the share link logged out, like it from a second account, remix it.

Talks to the live site over HTTP only (no ORM): run with `pytest tests/e2e -p no:asyncio`.
"""

from __future__ import annotations

import io
import secrets

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def sign_up(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("form[action='/accounts/signup/'] button[type=submit]")
    page.wait_for_url(base + "/")


def generate(page: Page, base: str, prompt: str | None = None) -> None:
    if prompt is not None:
        page.goto(base + "/")
        page.fill("#prompt", prompt)
    page.click("#generate")
    page.wait_for_selector("#results img", timeout=90_000)


def publish_latest(page: Page, base: str, title: str) -> str:
    """Publish the newest unpublished picture; returns the post page URL."""
    page.goto(base + "/publish/")
    page.locator("a[data-publish]").first.click()
    page.fill("#id_title", title)
    page.click("#publish")
    page.wait_for_url(base + "/p/*/")
    return page.url


def meta(page: Page, key: str) -> str:
    attr = "name" if key.startswith("twitter:") else "property"
    return page.locator(f'meta[{attr}="{key}"]').get_attribute("content") or ""


@pytest.mark.e2e
@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_sign_up_generate_publish_share_like_and_remix(live_site, page_factory, viewport):
    base = live_site.url
    run = secrets.token_hex(3)
    author_name, fan_name = f"poet{run}", f"fan{run}"
    prompt = f"a lighthouse in the fog {run}"

    # 1. A new person signs up, makes a picture and publishes it.
    author = page_factory(viewport)
    sign_up(author, base, author_name)
    generate(author, base, prompt)
    post_url = publish_latest(author, base, f"Foggy light {run}")
    share_url = author.input_value("#share-url")
    assert share_url.startswith(base + "/s/") and share_url.endswith("/")
    assert author.locator(".post-title").inner_text().strip() == f"Foggy light {run}"
    assert author.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # 2. Someone logged out opens the share link: the picture, its prompt and absolute card tags.
    visitor = page_factory(viewport)
    response = visitor.goto(share_url)
    assert response is not None and response.status == 200
    expect(visitor.locator(".post-settings .prompt")).to_have_text(prompt)
    image = visitor.locator(".post-image img")
    expect(image).to_be_visible()
    assert visitor.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    assert meta(visitor, "og:url") == share_url
    assert meta(visitor, "og:image") == share_url + "preview.png"
    assert meta(visitor, "twitter:card") == "summary_large_image"
    preview = visitor.request.get(meta(visitor, "og:image"))
    assert preview.status == 200
    with Image.open(io.BytesIO(preview.body())) as picture:
        assert picture.size == (1200, 630)
    qr = visitor.locator(".share-qr img")
    assert visitor.evaluate("img => img.complete && img.naturalWidth > 0", qr.element_handle())
    # Logged out, "Like" leads to the log-in page instead of liking.
    expect(visitor.locator("a.like-button")).to_be_visible()

    # 3. A second account likes it (the JS path: no reload) and the like is stored.
    fan = page_factory(viewport)
    sign_up(fan, base, fan_name)
    fan.goto(share_url)
    like = fan.locator("[data-like-button]")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(fan.locator("[data-like-count]")).to_have_text("1")
    fan.reload()
    expect(fan.locator("[data-like-count]")).to_have_text("1")
    expect(fan.locator("[data-like-button]")).to_have_attribute("aria-pressed", "true")

    # 4. The fan remixes it: the create page opens pre-filled, the new post links to the original.
    fan.click("#remix")
    fan.wait_for_url(base + "/?*")
    expect(fan.locator("#prompt")).to_have_value(prompt)
    original_id = post_url.rstrip("/").rsplit("/", 1)[1]
    assert fan.input_value("#remix_of") == original_id
    generate(fan, base)
    publish_latest(fan, base, f"My remix {run}")
    expect(fan.locator("[data-remix-of]")).to_have_attribute("href", f"/p/{original_id}/")
    fan.goto(post_url)
    expect(fan.locator(".remixes")).to_contain_text(f"My remix {run}")

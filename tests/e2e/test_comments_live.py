"""Comments, live notifications, tags, follows and collections in a real browser.

Talks to the live site over HTTP only (no ORM): run with `pytest tests/e2e -p no:asyncio`.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.test_community import generate, publish_latest, sign_up


@pytest.mark.e2e
def test_a_comment_lights_the_authors_badge_live_and_the_author_replies(live_site, page_factory):
    base = live_site.url
    run = secrets.token_hex(3)
    author = page_factory("pc")
    sign_up(author, base, f"painter{run}")
    generate(author, base, f"a red kite over dunes {run}")
    post_url = publish_latest(author, base, f"Kite #dunes{run}")
    expect(author.locator(".post-tags a")).to_have_text(f"#dunes{run}")

    author.goto(base + "/gallery/")  # any page: the header keeps its socket open
    badge = author.locator("[data-unread]")
    expect(badge).to_be_hidden()

    fan = page_factory("phone")
    sign_up(fan, base, f"viewer{run}")
    fan.goto(post_url)
    fan.fill("#comment-body", "<b>What</b> a sky")
    fan.click("[data-comment-form] button[type=submit]")
    expect(fan.locator(".comment .comment-body").first).to_have_text("<b>What</b> a sky")  # shown as text

    expect(badge).to_have_text("1", timeout=10_000)  # pushed over the socket, no reload
    author.click("[data-notifications]")
    expect(author.locator(".notification.unread a")).to_contain_text(f"viewer{run} commented on “Kite #dunes{run}”")
    author.locator(".notification a").first.click()
    author.locator(".reply-box summary").first.click()
    author.locator(".reply-box textarea").first.fill("Thank you!")
    author.locator(".reply-box button[type=submit]").first.click()
    expect(author.locator(".comment.reply .comment-body")).to_have_text("Thank you!")

    # The fan follows the author, saves the post to a new public collection, finds it by tag.
    fan.goto(base + f"/u/painter{run}/")
    fan.click("[data-follow]")
    expect(fan.locator("[data-followers]")).to_have_text("1")
    fan.goto(post_url)
    fan.locator(".save-box summary").click()
    fan.fill("#save-new", f"Skies {run}")
    fan.locator(".save-box button[type=submit]").click()
    expect(fan.locator(".messages")).to_contain_text(f"Saved to “Skies {run}”")
    fan.goto(base + f"/t/dunes{run}/")
    expect(fan.locator(".grid a").first).to_be_visible()

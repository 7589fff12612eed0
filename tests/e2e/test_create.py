"""A person types a prompt, watches the bar move, sees the picture and downloads it — PC and phone."""

from __future__ import annotations

import pytest
from PIL import Image


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_type_a_prompt_watch_progress_see_and_download_the_picture(live_site, page_factory, viewport, tmp_path):
    page = page_factory(viewport)
    page.goto(live_site.url + "/")
    # Record every width the bar takes, to see it move rather than jump straight to the end.
    page.evaluate(
        """() => {
          window.__progress = [];
          const bar = document.querySelector('#job-progress');
          new MutationObserver(() => window.__progress.push(Number(bar.getAttribute('aria-valuenow'))))
            .observe(bar, {attributes: true, attributeFilter: ['aria-valuenow']});
        }"""
    )
    page.fill("#prompt", "a red sun over the sea at dusk")
    page.click("[data-size='768x512']")
    page.click("#generate")
    page.wait_for_selector("#results img", timeout=60_000)
    assert page.text_content("#job-status").strip() == "Done"
    assert page.get_attribute("#job-progress", "aria-valuenow") == "100"
    seen = page.evaluate("window.__progress")
    assert len([v for v in seen if 0 < v < 100]) >= 1, seen
    assert seen == sorted(seen)

    page.wait_for_function(
        "() => { const i = document.querySelector('#results img'); return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate("document.querySelector('#results img').naturalWidth") == 768

    with page.expect_download() as info:
        page.locator("#results a[download]").first.click()
    path = tmp_path / "download.png"
    info.value.save_as(path)
    with Image.open(path) as picture:
        assert picture.size == (768, 512)
        assert "instantpainting" in picture.info  # the settings travel with the file


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_an_empty_prompt_shows_a_field_error_and_starts_nothing(live_site, page_factory, viewport):
    page = page_factory(viewport)
    page.goto(live_site.url + "/")
    page.click("#generate")
    error = page.locator("[data-error-for='prompt']")
    error.wait_for(state="visible")
    assert error.text_content().strip()
    assert page.is_hidden("#job")


def test_the_phone_layout_has_no_horizontal_scroll_and_a_menu(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.is_hidden("#site-nav")
    page.click("[data-menu-toggle]")
    assert page.is_visible("#site-nav")


def test_history_lists_what_i_made(live_site, page_factory):
    page = page_factory("pc")
    page.goto(live_site.url + "/generations/")
    assert page.locator(".empty").is_visible()
    page.goto(live_site.url + "/")
    page.fill("#prompt", "a bowl of noodles with shrimp")
    page.click("#generate")
    page.wait_for_selector("#results img", timeout=60_000)
    page.goto(live_site.url + "/generations/")
    assert page.locator(".card").count() == 1
    assert "noodles" in page.text_content(".card")


def test_where_websockets_are_refused_the_page_polls_and_still_shows_the_picture(live_site, page_factory):
    """A proxy that refuses websocket upgrades: the create page falls back to asking the API."""
    page = page_factory("phone")
    refused = []

    def refuse(ws) -> None:  # ws: Playwright's WebSocketRoute
        refused.append(ws.url)
        ws.close()

    page.route_web_socket("**/ws/generations/", refuse)
    polls = []
    page.on(
        "request",
        # (the prompt suggestions' own-prompt look-ups are not polls)
        lambda r: polls.append(r.url)
        if r.method == "GET" and "/api/v1/generations/" in r.url and "/prompts/" not in r.url
        else None,
    )
    page.goto(live_site.url + "/")
    page.fill("#prompt", "a green forest under snow-capped mountains")
    page.click("#generate")
    page.wait_for_selector("#results img", timeout=60_000)
    assert page.text_content("#job-status").strip() == "Done"
    assert page.get_attribute("#job-progress", "aria-valuenow") == "100"
    assert refused, "the page never tried its websocket"
    assert polls and all(url.rstrip("/").rsplit("/", 1)[-1] == polls[0].rstrip("/").rsplit("/", 1)[-1] for url in polls)

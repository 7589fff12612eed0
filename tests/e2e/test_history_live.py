"""The history page follows unfinished jobs live: a queued card turns into its picture, no reload.

The site runs with a separate worker process (the scale-out shape on SQLite + Redis), so the
job can be shown queued first and the worker started while the page is open.
"""

from __future__ import annotations

from urllib.parse import urljoin


def test_a_queued_card_becomes_its_picture_when_the_worker_runs_it(site_without_worker, page_factory):
    site = site_without_worker
    page = page_factory("phone")
    page.goto(site.url + "/")
    page.fill("#prompt", "a landscape at <b>night</b> with a forest")
    page.click("#generate")
    page.wait_for_selector("#job-status.queued")

    page.goto(site.url + "/generations/")
    card = page.locator(".card")
    assert card.count() == 1
    assert card.get_attribute("data-status") == "queued"
    assert card.locator(".card-progress").is_visible() and card.locator("img").count() == 0
    page.evaluate("window.sameDocument = true")

    site.start_worker("gpu-a")
    page.wait_for_selector('.card[data-status="succeeded"] img', timeout=60_000)
    assert page.evaluate("window.sameDocument") is True  # updated in place, not reloaded
    assert page.text_content(".card .status-pill") == "Done"
    assert card.locator(".card-progress").count() == 0
    assert "<b>night</b>" in page.text_content(".card")  # the prompt stays text, not markup
    # A path from the socket's event, or an absolute URL when the page caught up from the API
    # (its reconnect poll) before the event came: both load.
    thumb = urljoin(site.url + "/", card.locator("img").get_attribute("src") or "")
    assert page.request.get(thumb).headers["content-type"] == "image/webp"

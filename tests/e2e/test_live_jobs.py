"""Every list where a job appears follows it live, through one client (static/js/joblist.js): the
create page's panel and "Recent", the history page, a generation's own page. State survives a
reload and a trip through the back/forward cache; new jobs join the lists; progress is told per
picture, with placeholders at the job's aspect ratio that fill as the pictures are saved.

The site runs without a worker at first (the scale-out shape on SQLite + Redis), so jobs can be
seen queued, the page reloaded mid-job, and the worker started while the pages are open.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import chromium_path
from tests.e2e.conftest import CHROMIUM_ARGS, VIEWPORTS

# Every event the shared client hands on, recorded from the first script onwards.
RECORD_EVENTS = """
window.__events = [];
document.addEventListener("DOMContentLoaded", () => {
  if (window.IPJobs) window.IPJobs.listen((e) => window.__events.push(e));
});
window.addEventListener("pageshow", (e) => { if (e.persisted) window.__restored = (window.__restored || 0) + 1; });
"""
# What the create page's panel says and shows over time.
RECORD_PANEL = """() => {
  window.__details = []; window.__filled = 0;
  const detail = document.querySelector('#job-detail');
  new MutationObserver(() => window.__details.push(detail.textContent)).observe(detail, {childList: true, characterData: true, subtree: true});
  new MutationObserver(() => {
    window.__filled = Math.max(window.__filled, document.querySelectorAll('#job-placeholders .filled').length);
  }).observe(document.querySelector('#job-placeholders'), {subtree: true, attributes: true, childList: true});
}"""


@pytest.fixture
def phone_with_bfcache(browser):
    """A phone page in a chromium that keeps the back/forward cache on (Playwright turns it off)."""
    bfcache_browser = browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    context = bfcache_browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    bfcache_browser.close()


def submit(page, prompt: str, n: int = 1) -> None:
    page.fill("#prompt", prompt)
    page.select_option("#n", str(n))
    page.click("[data-size='768x512']")
    page.click("#generate")


def test_jobs_follow_live_through_reload_back_forward_and_other_tabs(site_without_worker, phone_with_bfcache):
    site = site_without_worker
    page = phone_with_bfcache
    page.context.add_init_script(RECORD_EVENTS)
    page.goto(site.url + "/")
    submit(page, "a lake at <b>dawn</b>, three pictures", n=3)
    page.wait_for_selector("#job-status.queued")
    # Alone in the queue: "Next in line", not "Position 1 of 1".
    page.wait_for_function("() => document.querySelector('#job-detail').textContent === 'Next in line'")
    # One placeholder per picture, at the job's aspect ratio (768×512).
    slots = page.locator("#job-placeholders [data-slot]")
    assert slots.count() == 3
    box = slots.first.locator(".placeholder-frame").bounding_box()
    assert abs(box["width"] / box["height"] - 1.5) < 0.02
    # The new job joined "Recent" at once, as text (never markup).
    recent = page.locator("[data-job-list] [data-job]")
    recent.first.wait_for()
    assert recent.count() == 1 and recent.first.get_attribute("data-status") == "queued"
    assert "<b>dawn</b>" in recent.first.text_content()
    first_id = recent.first.get_attribute("data-id")

    # A reload mid-job brings the panel back, placeholders and all.
    page.reload()
    page.wait_for_selector("#job-status.queued")
    assert page.is_visible("#job") and page.locator("#job-placeholders [data-slot]").count() == 3

    # A job made in another tab joins this tab's "Recent" and the history page, without a reload;
    # being second in the queue, it says so.
    history = page.context.new_page()
    history.goto(site.url + "/generations/")
    other = page.context.new_page()
    other.goto(site.url + "/")
    submit(other, "a second job from another tab")
    other.wait_for_function("() => /Position 2/.test(document.querySelector('#job-detail').textContent)")
    page.wait_for_function("() => document.querySelectorAll('[data-job-list] [data-job]').length === 2")
    history.wait_for_function("() => document.querySelectorAll('[data-job-list] [data-job]').length === 2")
    history.evaluate("() => { window.sameDocument = true; }")
    other.close()

    # Away and back: the socket closes on pagehide, so the page is kept in the back/forward cache;
    # the jobs finish while it is away, and on its return it catches up from the API.
    page.evaluate("() => { window.sameDocument = true; }")
    page.goto(site.url + "/generations/")
    site.start_worker("gpu-a")
    for tab in (page, history):  # the history page follows both jobs to their pictures, in place
        tab.wait_for_function(
            "() => [...document.querySelectorAll('[data-job-list] [data-job]')]"
            ".every(c => c.dataset.status === 'succeeded' && c.querySelector('img'))",
            timeout=90_000,
        )
        assert tab.locator("[data-job-list] .card-progress").count() == 0
    assert history.evaluate("window.sameDocument") is True
    page.go_back(wait_until="commit")  # a page restored from the cache fires no load event
    page.wait_for_function("() => document.querySelectorAll('#results img').length === 3", timeout=30_000)
    assert page.evaluate("window.sameDocument") is True and page.evaluate("window.__restored") == 1
    assert page.text_content("#job-status") == "Done"
    assert page.locator("#job-placeholders [data-slot]").count() == 0
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-job-list] [data-job]')]"
        ".every(c => c.dataset.status === 'succeeded' && c.querySelector('img'))"
    )

    # With the worker running, a new job tells its progress picture by picture: placeholders fill
    # with small previews, then the pictures themselves arrive; the new job joins "Recent".
    page.evaluate(RECORD_PANEL)
    page.evaluate("() => { window.__events = []; }")
    submit(page, "a lake at dusk, three more", n=3)
    page.wait_for_function("() => document.querySelectorAll('[data-job-list] [data-job]').length === 3")
    page.wait_for_function(
        "() => document.querySelectorAll('#results img').length === 3 && "
        "document.querySelector('#job-status').classList.contains('succeeded')",
        timeout=90_000,
    )
    details = page.evaluate("window.__details")
    assert any(re.fullmatch(r"Picture [123] of 3 ready", d) for d in details), details
    assert page.evaluate("window.__filled") >= 1
    events = page.evaluate("window.__events")
    previews = [e for e in events if e["type"] == "generation.image"]
    assert [e["index"] for e in previews] == [0, 1, 2], [e["type"] for e in events]
    assert all(e["preview"].startswith("data:image/webp;base64,") and e["count"] == 3 for e in previews)

    # A generation's own page follows its job too, and shows the pictures when it ends.
    detail = page.context.new_page()
    detail.goto(site.url + f"/generations/{first_id}/")
    assert detail.locator("[data-job-part='results'] img").count() == 3


def test_a_generation_page_opened_mid_job_shows_its_pictures_when_done(site_without_worker, page_factory):
    site = site_without_worker
    page = page_factory("pc")
    page.goto(site.url + "/")
    submit(page, "a quiet harbour", n=2)
    page.wait_for_selector("#job-status.queued")
    card = page.locator("[data-job-list] [data-job]").first
    card.wait_for()
    page.goto(card.locator(".card-link").get_attribute("href"))
    assert page.locator("[data-job] .status-pill").text_content() == "Queued"
    assert page.locator("[data-job] .card-progress").count() == 1
    page.evaluate("() => { window.sameDocument = true; }")
    site.start_worker("gpu-b")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-job-part=\"results\"] img').length === 2", timeout=90_000
    )
    assert page.evaluate("window.sameDocument") is True
    assert page.locator("[data-job] .status-pill").text_content() == "Done"
    assert page.locator("[data-job] .card-progress").count() == 0
    assert page.locator("[data-download-all]").count() == 1

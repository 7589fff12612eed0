"""The gallery feed grows as a person scrolls: more than one page of posts, no card twice."""

from __future__ import annotations

from tests.e2e.conftest import seed_posts


def test_scrolling_the_gallery_loads_every_page_once(live_site, page_factory):
    seed_posts(live_site, username="scroller", jobs=8, n=4)
    with live_site.sqlite() as db:
        total = db.execute("SELECT COUNT(*) FROM gallery_post WHERE NOT is_hidden").fetchone()[0]
    assert total > 24 + 6  # more than the first page, and a part of a later one

    page = page_factory("phone")
    page.goto(live_site.url + "/gallery/")
    cards = page.locator("[data-infinite] .post-card")
    assert cards.count() == 24
    assert page.locator("[data-pager] a[rel=next]").count() == 1
    for _ in range(10):  # bounded: a few pages at most
        if cards.count() >= total:
            break
        before = cards.count()
        page.locator("[data-pager]").scroll_into_view_if_needed()
        # A function, not an expression: the site's CSP forbids the eval an expression would need.
        page.wait_for_function(
            "before => document.querySelectorAll('[data-infinite] .post-card').length > before", arg=before
        )
    assert cards.count() == total
    links = page.eval_on_selector_all(
        "[data-infinite] .post-card a.title", "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(set(links)) == total  # every post once, none twice
    page.wait_for_function("() => !document.querySelector('[data-pager] a[rel=next]')")
    assert "scroller 0-0" in page.text_content("[data-infinite]")  # the oldest of the seeded posts came in

"""The lightbox on the gallery and on a post: a zoom button on each card opens the picture over the
feed and swipes through the feed's pictures; the post's picture opens the same way; the links
stay real links (the post, the file) for a browser without JavaScript."""

from __future__ import annotations

from tests.e2e.conftest import seed_posts


def test_gallery_and_post_pictures_open_in_the_lightbox(live_site, page_factory):
    seed_posts(live_site, username="boxer", jobs=1, n=2, width=384, height=256)
    page = page_factory("phone")
    page.goto(live_site.url + "/gallery/")
    zooms = page.locator(".post-card .post-card-zoom")
    total = zooms.count()
    assert total >= 2
    assert zooms.first.get_attribute("href").endswith(".png")  # the fallback: the picture itself
    box = zooms.first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a tap target
    zooms.first.tap()
    page.locator(".lightbox").wait_for(state="visible")
    assert page.url.rstrip("/").endswith("/gallery")
    assert page.locator(".lightbox-count").text_content() == f"1 / {total}"
    cdp = page.context.new_cdp_session(page)
    for kind, x in (("touchStart", 300), ("touchMove", 220), ("touchMove", 120)):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": 420}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert page.locator(".lightbox-count").text_content() == f"2 / {total}"
    page.keyboard.press("Escape")
    page.locator(".lightbox").wait_for(state="hidden")

    # The card itself still leads to the post; there the picture opens in the lightbox too.
    page.locator(".post-card .post-card-image").first.tap()
    page.wait_for_url("**/p/**")
    page.locator(".post-image a[data-lightbox]").tap()
    page.locator(".lightbox").wait_for(state="visible")
    assert page.locator(".lightbox-count").text_content() == ""  # one picture: no count
    assert page.is_hidden(".lightbox-next")
    page.locator(".lightbox-close").tap()
    page.locator(".lightbox").wait_for(state="hidden")
    # Downloads in three formats and a copy button (shown once the script can copy).
    assert page.locator(".post-actions [data-format]").count() == 3
    assert page.is_visible(".post-actions [data-copy-text]")

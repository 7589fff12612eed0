"""An interpolation published animated: the gallery card is marked, and the post page plays the
animated WebP that the site's own worker made (the still picture for someone who asked for less
motion)."""

from __future__ import annotations

from tests.live import LiveSite


def seed_animated_post(site: LiveSite, *, username: str) -> None:
    site.manage(
        "shell",
        "-c",
        f"""
import time
from django.contrib.auth import get_user_model
from gallery.services import post_publish
from generation import services
from generation.owners import Owner

user = get_user_model().objects.create_user({username!r}, password="seeded-posts-password-1")
spec = services.GenerationSpec(prompt="a red sun", model="untrained-tiny", width=256, height=256, frames=4, interpolate_seed=9)
generation = services.generation_create(owner=Owner(user_id=user.pk), spec=spec)
deadline = time.monotonic() + 120
while generation.is_active and time.monotonic() < deadline:
    time.sleep(0.2)
    generation.refresh_from_db()
assert generation.status == "succeeded" and generation.animation, (generation.status, generation.error)
post_publish(user=user, image=generation.images.order_by("index").first(), title="Moving sun", animated=True)
""",
    )


def test_an_animated_post_is_marked_in_the_gallery_and_plays_on_its_page(live_site, page_factory):
    seed_animated_post(live_site, username="animator")
    page = page_factory("phone")
    page.goto(live_site.url + "/gallery/")
    card = page.locator(".post-card", has_text="Moving sun")
    badge = card.locator(".post-card-badge")
    badge.wait_for(state="visible")
    assert "Animated" in badge.text_content()
    card.locator(".post-card-image").tap()
    page.wait_for_url("**/p/**")
    animation = page.locator(".post-image img[data-animation]")
    animation.wait_for(state="visible")
    assert animation.get_attribute("src").endswith("/animation.webp")
    page.wait_for_function("document.querySelector('.post-image img[data-animation]').complete")
    assert page.evaluate("document.querySelector('.post-image img[data-animation]').naturalWidth") == 256
    box = animation.bounding_box()
    assert 330 <= box["width"] <= 390  # the phone's width, as a still post's picture
    buttons = page.locator(".post-image figcaption").bounding_box()
    assert buttons["y"] >= box["y"] + box["height"] - 1  # the still and the file under it, not beside
    assert page.locator(".post-image figcaption a[data-lightbox]").get_attribute("href").endswith(".png")

    # Someone who asked for less motion gets the still picture in its place.
    calm = page_factory("phone", reduced_motion="reduce")
    calm.goto(page.url)
    calm.wait_for_function("document.querySelector('.post-image img[data-animation]').complete")
    assert calm.evaluate("document.querySelector('.post-image img[data-animation]').currentSrc").endswith(".png")
    assert page.evaluate("document.querySelector('.post-image img[data-animation]').currentSrc").endswith(".webp")

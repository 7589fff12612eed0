"""What a person does with their pictures: look closely (a lightbox with zoom and swipe, by keyboard
and touch), take them away (PNG, WebP, JPEG, all as a zip), iterate (generate again, use these
settings, copy the prompt), read the settings in words — on a PC and a phone."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

PROMPT = "a red barn under a <i>starry</i> sky"


def make_two(page, site_url: str) -> None:
    page.goto(site_url + "/")
    page.fill("#prompt", PROMPT)
    page.select_option("#n", "2")
    page.click("[data-size='768x512']")
    page.focus("#prompt")
    page.keyboard.press("Control+Enter")  # Ctrl+Enter sends the form
    page.wait_for_function("() => document.querySelectorAll('#results img').length === 2", timeout=60_000)


def lightbox_scale(page) -> float:
    return float(page.get_attribute(".lightbox", "data-scale"))


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_lightbox_by_keyboard_and_the_link_stays_the_fallback(live_site, page_factory, viewport):
    page = page_factory(viewport)
    make_two(page, live_site.url)
    first = page.locator("#results a[data-lightbox]").first
    assert first.get_attribute("href").endswith(".png")  # without JavaScript: the picture itself
    first.click()
    box = page.locator(".lightbox")
    box.wait_for(state="visible")
    assert page.url.rstrip("/") == live_site.url  # opened over the page, not followed
    assert page.locator(".lightbox-count").text_content() == "1 / 2"
    assert page.evaluate("document.activeElement.classList.contains('lightbox-close')")
    page.keyboard.press("ArrowRight")
    assert page.locator(".lightbox-count").text_content() == "2 / 2"
    assert page.evaluate(
        "() => document.querySelector('.lightbox-stage img').src"
        " === document.querySelectorAll('#results a[data-lightbox]')[1].href"
    )
    page.keyboard.press("ArrowRight")  # wraps round
    assert page.locator(".lightbox-count").text_content() == "1 / 2"
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert lightbox_scale(page) > 2
    page.keyboard.press("-")
    assert 1 < lightbox_scale(page) < 2
    page.keyboard.press("0")
    assert lightbox_scale(page) == 1
    page.keyboard.press("Escape")
    box.wait_for(state="hidden")
    assert page.evaluate("document.activeElement === document.querySelector('#results a[data-lightbox]')")


def touch(cdp, kind: str, points: list[tuple[float, float]]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
    )


def test_lightbox_swipe_pinch_and_double_tap_on_a_phone(live_site, page_factory):
    page = page_factory("phone")
    make_two(page, live_site.url)
    page.locator("#results a[data-lightbox]").first.tap()
    page.locator(".lightbox").wait_for(state="visible")
    cdp = page.context.new_cdp_session(page)
    # Swipe left: the next picture.
    touch(cdp, "touchStart", [(300, 420)])
    for x in (250, 180, 110):
        touch(cdp, "touchMove", [(x, 425)])
    touch(cdp, "touchEnd", [])
    assert page.locator(".lightbox-count").text_content() == "2 / 2"
    # Pinch out: zoomed in, in proportion.
    touch(cdp, "touchStart", [(170, 420), (220, 420)])
    for d in (40, 80, 120):
        touch(cdp, "touchMove", [(170 - d, 420), (220 + d, 420)])
    touch(cdp, "touchEnd", [])
    assert lightbox_scale(page) > 2.5
    # Double tap: back to the whole picture; again: zoomed.
    page.touchscreen.tap(195, 420)
    page.touchscreen.tap(195, 420)
    assert lightbox_scale(page) == 1
    page.touchscreen.tap(195, 420)
    page.touchscreen.tap(195, 420)
    assert lightbox_scale(page) == 2.5
    page.locator(".lightbox-close").tap()
    page.locator(".lightbox").wait_for(state="hidden")


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_download_each_format_and_all_as_a_zip(live_site, page_factory, viewport, tmp_path):
    page = page_factory(viewport)
    make_two(page, live_site.url)
    for fmt, pil in (("webp", "WEBP"), ("jpeg", "JPEG")):
        with page.expect_download() as info:
            page.locator(f"#results a[data-format='{fmt}']").first.click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        with Image.open(path) as picture:
            assert picture.format == pil and picture.size == (768, 512)
    with page.expect_download() as info:
        page.click("#job-actions [data-download-all]")
    assert info.value.suggested_filename.endswith(".zip")
    path = tmp_path / "all.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert len(names) == 2 and all(n.endswith(".png") for n in names)
        with Image.open(io.BytesIO(archive.read(names[1]))) as picture:
            assert picture.size == (768, 512)


def test_iterate_generate_again_use_settings_and_copy_the_prompt(live_site, page_factory):
    page = page_factory("pc", permissions=["clipboard-read", "clipboard-write"])
    make_two(page, live_site.url)
    seeds = page.locator("#results figcaption span").all_text_contents()
    # Copy prompt: the job's prompt, as text, on the clipboard.
    page.click("#job-actions [data-copy-prompt]")
    assert page.evaluate("navigator.clipboard.readText()") == PROMPT
    # Use these settings: the form takes the job's settings back after they were changed.
    page.fill("#prompt", "something else")
    page.click("[data-size='512x512']")
    page.click("#job-actions >> text=Use these settings")
    assert page.input_value("#prompt") == PROMPT
    assert page.input_value("#width") == "768" and page.input_value("#n") == "2"
    # Generate again: the same settings, new seeds.
    page.click("#job-actions >> text=Generate again")
    page.wait_for_function(
        "(old) => { const s = [...document.querySelectorAll('#results figcaption span')].map(e => e.textContent);"
        " return s.length === 2 && s[0] !== old; }",
        arg=seeds[0],
        timeout=60_000,
    )
    page.wait_for_function(
        "() => { const i = document.querySelector('#results img'); return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate("document.querySelector('#results img').naturalWidth") == 768


def test_a_generation_page_reads_in_words_and_offers_the_same_actions(live_site, page_factory):
    page = page_factory("phone")
    make_two(page, live_site.url)
    # On "Recent" (and the history page), a card's zoom button opens its picture in the lightbox.
    page.wait_for_selector("[data-job-list] [data-job] .post-card-zoom")
    page.locator("[data-job-list] [data-job] .post-card-zoom").first.tap()
    page.locator(".lightbox").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.goto(live_site.url + "/generations/")
    page.locator("[data-job-list] [data-job] .post-card-zoom").first.tap()
    page.locator(".lightbox").wait_for(state="visible")
    assert page.url.endswith("/generations/")
    page.keyboard.press("Escape")
    page.locator("[data-job-list] [data-job] .card-link").first.tap()
    page.wait_for_selector("[data-job-part='results'] img")
    text = page.text_content("main")
    for raw in ("base_seed", "negative_truncated", "style_strength", "CLIP score", "aspect-grid"):
        assert raw not in text, raw
    assert page.is_visible("text=Style strength")
    technical = page.locator("[data-settings-technical]")
    assert technical.get_attribute("open") is None  # technical details wait behind a toggle
    technical.locator("summary").tap()
    assert technical.locator("dt", has_text="Truncation").is_visible()
    # Lightbox and downloads here too; "Use these settings" prefills the create form.
    page.locator("[data-job-part='results'] a[data-lightbox]").nth(1).tap()
    assert page.locator(".lightbox-count").text_content() == "2 / 2"
    page.keyboard.press("Escape")
    assert page.locator("[data-download-all]").count() == 1
    page.locator("[data-use-settings]").tap()
    page.wait_for_url("**/?*")
    assert page.input_value("#prompt") == PROMPT and page.input_value("#n") == "2"
    assert page.input_value("#seed") != ""

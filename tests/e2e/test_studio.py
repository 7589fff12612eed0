"""The creative studio in a browser, PC and phone: variations from a result, the studio buttons
on a picture's page, an interpolation from the create form, restyling an uploaded picture."""

from __future__ import annotations

import pytest
from PIL import Image


def generate(page, live_site, prompt: str = "a red sun over the sea at dusk") -> None:
    page.goto(live_site.url + "/")
    page.fill("#prompt", prompt)
    page.click("[data-size='512x512']")
    page.click("#generate")
    page.wait_for_selector("#results img", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#job-status').textContent.trim() === 'Done'")


def count_results(page) -> int:
    return page.locator("#results figure.result img:not([data-animation])").count()


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_subtle_variations_of_a_result_arrive_live_in_the_same_panel(live_site, page_factory, viewport):
    page = page_factory(viewport)
    generate(page, live_site)
    first = page.get_attribute("#results img", "src")
    # A plain picture offers its seed back ("Same seed" fills it in; "New seed" leaves it empty).
    href = page.get_attribute("#results [data-same-seed]", "href")
    assert "seed=" in href and "prompt=" in href
    assert "seed=" not in page.get_attribute("#results [data-new-seed]", "href")
    page.click("#results [data-vary='subtle']")
    page.wait_for_function(
        "(first) => document.querySelectorAll('#results figure img').length === 4 && "
        "document.querySelector('#results img').getAttribute('src') !== first",
        arg=first,
        timeout=60_000,
    )
    assert page.text_content("#job-status").strip() == "Done"
    assert page.get_attribute("#job-progress", "aria-valuenow") == "100"
    # A variation was drawn from a moved noise: its seed alone would not make it again.
    assert page.locator("#results [data-same-seed]").count() == 0
    assert page.locator("#results [data-new-seed]").count() == 4
    if viewport == "phone":
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_pictures_page_offers_variations_that_the_create_page_then_follows(live_site, page_factory):
    page = page_factory("pc")
    generate(page, live_site)
    page.goto(live_site.url + "/generations/")
    page.locator("a[href^='/generations/']:not([href='/generations/'])").first.click()
    page.wait_for_selector("[data-studio-actions]")
    page.click("[data-studio-actions] [data-vary='strong']")
    page.wait_for_url("**/?follow=*")
    page.wait_for_function("() => document.querySelectorAll('#results figure img').length === 4", timeout=60_000)
    # The variation's own page names its parent.
    page.locator("#results [data-new-seed]").first.wait_for()
    job_id = page.url.split("follow=")[1]
    page.goto(f"{live_site.url}/generations/{job_id}/")
    assert page.locator("[data-lineage='variation_of'] img").count() == 1


def test_an_interpolation_from_the_create_form_shows_its_frames_and_animation(live_site, page_factory):
    page = page_factory("pc")
    page.goto(live_site.url + "/")
    page.fill("#prompt", "a red sun over the sea at dusk")
    page.click("[data-size='512x512']")
    page.click("details.advanced summary")
    page.fill("#seed", "5")
    page.select_option("#frames", "4")
    page.fill("#interpolate_seed", "6")
    page.fill("#interpolate_prompt", "a (green:1.3) moon over the sea")
    page.click("#generate")
    page.wait_for_selector("#results img[data-animation]", timeout=60_000)
    assert count_results(page) == 4


def test_malformed_emphasis_shows_the_problem_under_the_prompt(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/")
    page.fill("#prompt", "a (snowy mountain")
    page.click("#generate")
    error = page.locator("[data-error-for='prompt']")
    error.wait_for(state="visible")
    assert "never closed" in error.text_content()
    assert page.is_hidden("#job")


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_restyle_an_uploaded_picture_shows_the_reconstruction_first(live_site, page_factory, viewport, tmp_path):
    picture = Image.new("RGB", (300, 200), (30, 120, 220))
    picture.paste((40, 160, 40), (0, 120, 300, 200))
    path = tmp_path / "photo.png"
    picture.save(path)
    page = page_factory(viewport)
    page.goto(live_site.url + "/studio/upload/")
    page.set_input_files("#image", str(path))
    page.fill("#prompt", "a green hill under a blue sky")
    page.select_option("#style", "watercolor")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/?follow=*")
    page.wait_for_function("() => document.querySelectorAll('#results figure img').length === 2", timeout=60_000)
    assert page.text_content("#job-status").strip() == "Done"
    # A file that is not a picture is refused on the page, with the reason.
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"not a picture")
    page.goto(live_site.url + "/studio/upload/")
    page.set_input_files("#image", str(bad))
    page.fill("#prompt", "a sea")
    page.click("#upload-form button[type=submit]")
    assert "not an image we can read" in page.text_content("[data-error-for='image']")

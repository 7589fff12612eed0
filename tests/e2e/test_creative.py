"""The studio in a real browser, PC and phone: the model card's prompt builder names unknown
words; a poem becomes a picture and a poem card to download; the recipe editor's order changes
the recipe prompt; surprise me gives a counterfactual prompt."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_the_prompt_builder_offers_known_words_and_names_unknown_ones(live_site, page_factory, viewport):
    page = page_factory(viewport)
    page.goto(live_site.url + "/models/demo-food/")
    assert page.locator(".term img").count() > 10  # a sample picture per term (lazy: those in view load)
    page.locator("[data-word='strawberry'] img").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector(\"[data-word='strawberry'] img\"); return i.complete && i.naturalWidth === 128; }"
    )
    page.click("[data-word='strawberry']")
    assert page.input_value("#builder-prompt") == "strawberry"
    page.locator("#builder-check.good").wait_for()
    page.fill("#builder-prompt", "strawberry with a dragon")
    page.locator("#builder-check .unknown-word").wait_for()
    assert page.locator("#builder-check .unknown-word").all_text_contents() == ["dragon"]
    page.fill("#builder-prompt", "spaceship galaxy")
    page.locator("#builder-check.bad").wait_for()
    assert "spaceship, galaxy" in page.text_content("#builder-check")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.fill("#builder-prompt", "a bowl of noodles with two strawberries")
    page.click("#builder-use")
    page.wait_for_url("**/?model=demo-food**")
    assert page.input_value("#prompt") == "a bowl of noodles with two strawberries"
    assert page.input_value("#model") == "demo-food"


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_a_poem_becomes_a_picture_and_a_poem_card(live_site, page_factory, viewport, tmp_path):
    page = page_factory(viewport)
    page.goto(live_site.url + "/studio/")
    page.select_option("#poem-model", "demo-landscape")
    page.fill("#poem-text", JINGYESI)
    page.click("#poem-read")
    page.locator("#poem-result").wait_for(state="visible")
    assert page.input_value("#poem-prompt") == "秋天夜晚的风景"
    assert "明月光" in page.text_content("#poem-images")
    page.select_option("#poem-terms select[data-group='season']", "winter")  # the reading is editable
    page.wait_for_function("() => document.querySelector('#poem-prompt').value === '冬天夜晚的风景'")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("#poem-draw")
    page.wait_for_url("**/?*poem=*")
    assert page.is_visible("[data-poem-notice]")
    page.click("#generate")
    page.wait_for_selector("#results img", timeout=60_000)
    with page.expect_download() as info:
        page.click("#results a[download][href*='card.png']")
    path = tmp_path / "card.png"
    info.value.save_as(path)
    with Image.open(path) as card:
        assert card.width == 1024 and card.height > 1024


def test_a_poem_too_long_or_without_imagery_gets_a_message(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/studio/")
    page.fill("#poem-text", "我思故我在")
    page.click("#poem-read")
    error = page.locator("#poem-mode [data-error-for='poem']")
    error.wait_for(state="visible")
    assert "No image this model can draw" in error.text_content()


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_the_recipe_editor_order_changes_the_recipe_and_an_empty_list_is_refused(live_site, page_factory, viewport):
    page = page_factory(viewport)
    page.goto(live_site.url + "/studio/")
    error = page.locator("#recipe-mode [data-error-for='ingredients']")
    error.wait_for(state="visible")
    assert "empty" in error.text_content()
    page.select_option("#recipe-add-name", "tomato")
    page.click("#recipe-add")
    page.select_option("#recipe-add-name", "egg")
    page.click("#recipe-add")
    page.wait_for_function("() => document.querySelector('#recipe-prompt').value.includes('egg')")
    assert page.input_value("#recipe-prompt") == "Tomato egg rice; rice, tomato, egg"
    page.locator("#recipe-list li").nth(1).get_by_role("button", name="Move up").click()
    page.wait_for_function("() => document.querySelector('#recipe-prompt').value.startsWith('Egg')")
    assert page.input_value("#recipe-prompt") == "Egg tomato rice; rice, egg, tomato"
    page.locator("#recipe-list li").nth(1).locator("input").fill("3")
    page.locator("#recipe-list li").nth(1).locator("input").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#recipe-prompt').value.includes('three')")
    assert page.input_value("#recipe-prompt") == "Egg tomato rice; rice, egg, three tomatoes"


def test_a_recipe_answer_that_arrives_late_does_not_overwrite_a_newer_one(live_site, page_factory):
    """Two quick adds send two requests; the first one's answer, held back until the second has
    been drawn, must not put the older recipe back."""
    page = page_factory("pc")
    page.goto(live_site.url + "/studio/")
    page.locator("#recipe-mode [data-error-for='ingredients']").wait_for(state="visible")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/recipe/", hold_the_first)
    page.select_option("#recipe-add-name", "tomato")
    page.click("#recipe-add")
    page.select_option("#recipe-add-name", "egg")
    page.click("#recipe-add")
    page.wait_for_function("() => document.querySelector('#recipe-prompt').value.includes('egg')")
    assert len(held) == 1
    with page.expect_response("**/recipe/"):
        held[0].fulfill(response=held[0].fetch())  # the tomato-only recipe, now
    page.wait_for_timeout(300)  # its answer handled (parsing is a promise away)
    assert page.input_value("#recipe-prompt") == "Tomato egg rice; rice, tomato, egg"


def test_a_surprise_that_arrives_late_does_not_replace_the_newer_one(live_site, page_factory):
    """Two clicks on Surprise me: the first one's answer (seed 1), held back until the second's
    (seed 2) has been shown, must not replace it."""
    page = page_factory("pc")
    page.goto(live_site.url + "/studio/")
    page.select_option("#surprise-model", "demo-landscape")
    held = []

    def hold_the_first(route):
        url = re.sub(r"seed=\d+", f"seed={len(held) + 1}", route.request.url)
        if held:
            route.continue_(url=url)
        else:
            held.append((route, url))

    page.route("**/surprise/?seed=*", hold_the_first)
    page.click("#surprise-go")
    page.click("#surprise-go")
    page.locator("#surprise-result").wait_for(state="visible")
    newer = page.input_value("#surprise-prompt")
    route, url = held[0]
    with page.expect_response("**/surprise/?seed=*") as answer:
        route.fulfill(response=route.fetch(url=url))
    assert answer.value.json()["surprise"]["prompts"]["en"] != newer  # the late answer would change it
    page.wait_for_timeout(300)  # its answer handled (parsing is a promise away)
    assert page.input_value("#surprise-prompt") == newer


def test_surprise_me_gives_a_counterfactual_prompt(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/studio/")
    page.select_option("#surprise-model", "demo-landscape")
    page.click("#surprise-go")
    page.locator("#surprise-result").wait_for(state="visible")
    assert page.input_value("#surprise-prompt").startswith("a landscape")
    assert page.locator("#surprise-list li").count() == 3


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_the_create_page_names_the_words_the_model_does_not_know(live_site, page_factory, viewport):
    page = page_factory(viewport)
    page.goto(live_site.url + "/")
    page.select_option("#model", "demo-landscape")
    page.fill("#prompt", "a landscape at sunset with a dragon")
    page.locator("#prompt-check.warn").wait_for()
    assert "“dragon”" in page.text_content("#prompt-check")
    page.fill("#prompt", "spaceship galaxy")
    page.locator("#prompt-check.bad").wait_for()
    assert "spaceship, galaxy" in page.text_content("#prompt-check")
    assert page.get_attribute("#prompt-check a", "href") == "/models/demo-landscape/"
    # Every word known, but a combination the model has not learnt: said too, with the card's link.
    page.fill("#prompt", "a river at night")
    page.locator("#prompt-check.warn").wait_for()
    assert "never saw “night” and “a river” together" in page.text_content("#prompt-check")
    assert page.get_attribute("#prompt-check a", "href") == "/models/demo-landscape/"
    page.fill("#prompt", "a river at dawn")  # this one it draws: nothing to say
    expect(page.locator("#prompt-check")).to_have_text("")
    page.wait_for_timeout(800)  # past the debounce and the answer: it stays empty
    assert page.text_content("#prompt-check") == ""

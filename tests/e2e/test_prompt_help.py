"""Prompt help on the create page: examples for the chosen model, suggestions as you type (the
model's words and your own earlier prompts, never anyone else's), Ctrl+Enter generates."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_examples_words_and_my_own_prompts(live_site, page_factory, viewport):
    page = page_factory(viewport)
    page.goto(live_site.url + "/")
    page.select_option("#model", "demo-landscape")
    examples = page.locator("#prompt-examples .prompt-example")
    examples.first.wait_for()
    first = examples.first.text_content()
    examples.first.click()
    assert page.input_value("#prompt") == first  # an example fills the prompt
    # The model's words complete the word being typed.
    page.fill("#prompt", "")
    page.type("#prompt", "a snowy mou")
    word = page.locator("#prompt-suggestions [data-suggestion='word']", has_text="mountain").first
    word.wait_for()
    word.click()
    assert page.input_value("#prompt").startswith("a snowy mountain")
    # Ctrl+Enter sends the form; the prompt then comes back as one of my own.
    page.focus("#prompt")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#results img", timeout=60_000)
    mine = page.input_value("#prompt")
    page.fill("#prompt", "")
    page.type("#prompt", "a snowy")
    own = page.locator("#prompt-suggestions [data-suggestion='history']")
    own.first.wait_for()
    assert own.first.text_content() == mine
    # Keyboard: arrow down into the list, Enter takes a suggestion, Esc closes the list.
    page.focus("#prompt")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.suggestion") == "history"
    page.keyboard.press("Enter")
    assert page.input_value("#prompt") == mine and page.is_hidden("#prompt-suggestions")

    # Another person (a fresh browser) is never offered these prompts.
    stranger = page_factory(viewport)
    stranger.goto(live_site.url + "/")
    stranger.type("#prompt", "a snowy")
    stranger.wait_for_timeout(1200)
    assert stranger.locator("#prompt-suggestions [data-suggestion='history']").count() == 0

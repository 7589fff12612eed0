"""axe-core (shipped by axe-playwright-python) on the pages people use most, at PC and phone
widths, in English and Chinese, light and dark (the system's setting): no serious or critical finding is allowed.

The pages are those of one creator's real picture: create, its result page, history, the gallery,
its post, its share link, the profile, and the login and sign-up pages (logged out).
"""

from __future__ import annotations

import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_community import generate, publish_latest, sign_up

LANGUAGES = ("en", "zh-hans")
BLOCKING = {"serious", "critical"}
BACKGROUND = {"light": "rgb(246, 245, 251)", "dark": "rgb(20, 19, 27)"}


@pytest.fixture(scope="module")
def creator_site(live_site, browser):
    """A creator with one published picture: the URLs to check and the creator's signed-in state."""
    base = live_site.url
    name = f"axe{secrets.token_hex(3)}"
    context = browser.new_context(viewport=VIEWPORTS["pc"])
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_up(page, base, name)
    generate(page, base, "a red barn by a lake")
    post_url = publish_latest(page, base, "Red barn")
    share_url = page.input_value("#share-url")
    page.goto(base + "/generations/")
    detail = page.evaluate(
        "[...document.querySelectorAll('a[href^=\"/generations/\"]')].map(a => a.pathname)"
        ".find(p => /^\\/generations\\/[0-9a-f-]{36}\\/$/.test(p))"
    )
    assert detail, "the history page links to the picture's result page"
    state = context.storage_state()
    context.close()
    signed_in = {
        "create": base + "/",
        "result": base + detail,
        "history": base + "/generations/",
        "gallery": base + "/gallery/",
        "post": post_url,
        "profile": f"{base}/u/{name}/",
    }
    logged_out = {
        "share": share_url,
        "login": base + "/accounts/login/",
        "signup": base + "/accounts/signup/",
    }
    return state, signed_in, logged_out


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", ["pc", "phone"])
def test_main_pages_have_no_serious_accessibility_violations(
    live_site, browser, creator_site, viewport, language, scheme
):
    state, signed_in, logged_out = creator_site
    size = VIEWPORTS[viewport]
    mobile = size["width"] < 600
    problems: list[str] = []
    for pages, storage in ((signed_in, state), (logged_out, None)):
        context = browser.new_context(
            viewport=size, is_mobile=mobile, has_touch=mobile, storage_state=storage, color_scheme=scheme
        )
        context.add_cookies([{"name": "django_language", "value": language, "url": live_site.url}])
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            for name, url in pages.items():
                response = page.goto(url)
                assert response is not None and response.status == 200, f"{name}: {url}"
                assert page.locator("html").get_attribute("lang") == language
                assert page.evaluate("getComputedStyle(document.body).backgroundColor") == BACKGROUND[scheme]
                problems += [f"{name}: {problem}" for problem in blocking_violations(page)]
        finally:
            context.close()
    assert not problems, "\n".join(problems)

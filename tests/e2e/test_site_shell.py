"""The site shell in a real browser against the live site (DEBUG off): static files, error pages,
the site without JavaScript, the installable app and dark mode, and the wording fixes.

Run with `pytest -p no:asyncio tests/e2e/test_site_shell.py`.
"""

from __future__ import annotations

import io
import re
import secrets
import urllib.request

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_community import generate, publish_latest, sign_up

pytestmark = pytest.mark.e2e
LIGHT_BG, DARK_BG = "rgb(246, 245, 251)", "rgb(20, 19, 27)"


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


# --- 1. static files -------------------------------------------------------------------------


def test_static_files_are_hashed_compressed_and_cached_for_a_year(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/")
    css = page.locator("link[rel=stylesheet]").first.get_attribute("href") or ""
    script = page.locator("script[src*='site']").get_attribute("src") or ""
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", css), css
    assert re.fullmatch(r"/static/js/site\.[0-9a-f]{12}\.js", script), script
    # The stylesheet applied (the hashed file is served), and it came compressed with a long lifetime.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == LIGHT_BG
    status, headers, body = fetch(live_site.url + css, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert "max-age=315360000" in headers["cache-control"] and "immutable" in headers["cache-control"]
    assert fetch(live_site.url + css, **{"Accept-Encoding": "br, gzip"})[1].get("content-encoding") == "br"
    # An unhashed or unknown name is not served forever.
    status, headers, _ = fetch(live_site.url + "/static/css/site.css")
    assert status == 200 and "immutable" not in headers.get("cache-control", "")
    assert fetch(live_site.url + "/static/css/no-such.css")[0] == 404


# --- 2. error pages, the site without JavaScript --------------------------------------------


@pytest.mark.parametrize("language, heading", [("en", "Page not found"), ("zh-hans", "找不到页面")])
def test_a_missing_page_says_so_in_the_visitors_language_with_a_way_on(live_site, page_factory, language, heading):
    page = page_factory("phone")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_site.url}])
    response = page.goto(live_site.url + "/no/such/page/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(heading)
    assert page.locator("meta[name=viewport]").count() == 1
    assert page.locator("nav#site-nav").count() == 1
    page.locator(".error-page a.button").first.click()
    page.wait_for_url(live_site.url + "/")
    # Someone else's (or no) generation is a 404 page too, not a bare one.
    response = page.goto(f"{live_site.url}/generations/00000000-0000-0000-0000-000000000000/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text(heading)


def test_the_create_form_works_without_javascript(live_site, page_factory):
    page = page_factory("phone", java_script_enabled=False)
    page.goto(live_site.url + "/")
    prompt = f"a quiet harbour at dawn {secrets.token_hex(3)}"
    page.fill("#prompt", prompt)
    page.click("#generate")
    page.wait_for_url(re.compile(r".*/generations/[0-9a-f-]{36}/$"))
    assert "csrfmiddlewaretoken" not in page.url and "prompt" not in page.url
    assert prompt in page.content()


def test_a_refused_request_without_javascript_says_what_to_fix_and_keeps_the_text(live_site, page_factory):
    page = page_factory("pc", java_script_enabled=False)
    page.goto(live_site.url + "/")
    page.click("#generate")  # no prompt
    expect(page.locator("h1")).to_have_text("Check your picture request")
    expect(page.locator(".errorlist")).to_contain_text("prompt")
    too_long = "<script>alert(1)</script>" + "x" * 5000
    page.fill("#prompt", too_long)
    page.click("button[type=submit]:has-text('Generate')")
    expect(page.locator(".errorlist")).to_contain_text("prompt")
    assert page.input_value("#prompt") == too_long  # nothing lost, and shown as text, not run
    assert page.locator("script:has-text('alert(1)')").count() == 0


def test_the_phone_menu_opens_without_javascript(live_site, page_factory):
    page = page_factory("phone", java_script_enabled=False)
    page.goto(live_site.url + "/")
    gallery = page.locator("#site-nav a[href='/gallery/']")
    expect(gallery).to_be_hidden()
    toggle = page.locator("summary.menu-toggle")
    box = toggle.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    toggle.click()
    expect(gallery).to_be_visible()
    gallery.click()
    page.wait_for_url(live_site.url + "/gallery/")


def test_the_pc_menu_shows_without_javascript_and_the_skip_link_leads_to_the_content(live_site, page_factory):
    page = page_factory("pc", java_script_enabled=False)
    page.goto(live_site.url + "/gallery/")
    expect(page.locator("#site-nav a[href='/gallery/']")).to_be_visible()
    expect(page.locator("summary.menu-toggle")).to_be_hidden()
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


# --- 3. installable app and dark mode --------------------------------------------------------


def test_the_manifest_and_icons_make_the_site_installable(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(live_site.url + (href or ""))
    assert response.ok and response.headers["content-type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    assert manifest["theme_color"] and manifest["name"] == "InstantPainting"
    sizes = {}
    for icon in manifest["icons"]:
        body = page.request.get(live_site.url + icon["src"]).body()
        sizes[(icon["sizes"], icon["purpose"])] = Image.open(io.BytesIO(body)).size
    assert sizes == {
        ("192x192", "any"): (192, 192),
        ("512x512", "any"): (512, 512),
        ("512x512", "maskable"): (512, 512),
    }
    touch = page.locator("link[rel=apple-touch-icon]").get_attribute("href") or ""
    assert Image.open(io.BytesIO(page.request.get(live_site.url + touch).body())).size == (180, 180)
    favicon = page.locator("link[rel=icon][sizes]").get_attribute("href") or ""
    assert page.request.get(live_site.url + favicon).ok


def test_the_service_worker_serves_the_offline_page_and_caches_nothing_private(live_site, page_factory):
    page = page_factory("phone")
    sign_up(page, live_site.url, f"sw{secrets.token_hex(3)}")
    generate(page, live_site.url, "a lantern on a snowy path")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_site.url + "/"
    page.reload()  # now controlled by the worker
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    try:
        page.goto(live_site.url + "/gallery/")
        expect(page.locator("h1")).to_have_text("You are offline")
    finally:
        page.context.set_offline(False)
    cached = page.evaluate(
        "caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.keys()))))"
        ".then(lists => lists.flat().map(r => new URL(r.url).pathname))"
    )
    assert "/offline/" in cached and any(p.startswith("/static/css/site.") for p in cached)
    assert all(p == "/offline/" or p.startswith("/static/") for p in cached), cached
    status, headers, body = fetch(live_site.url + "/sw.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert "no-cache" in headers["cache-control"]


def test_dark_mode_follows_the_system_and_the_switch_is_remembered_without_a_flash(live_site, page_factory):
    page = page_factory("pc", color_scheme="dark")
    page.goto(live_site.url + "/gallery/")
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == DARK_BG
    page.select_option("#theme-select", "light")
    assert page.evaluate(background) == LIGHT_BG
    # The server renders the choice into <html>, so the first paint is already light.
    response = page.goto(live_site.url + "/")
    assert response is not None and '<html lang="en" data-theme="light">' in response.text()
    assert page.evaluate(background) == LIGHT_BG
    page.select_option("#theme-select", "system")
    page.reload()
    assert page.evaluate(background) == DARK_BG


def test_the_theme_switch_works_without_javascript_and_refuses_bad_input(live_site, page_factory):
    page = page_factory("phone", java_script_enabled=False)
    page.goto(live_site.url + "/gallery/")
    page.locator("summary.menu-toggle").click()
    page.select_option("#theme-select", "dark")
    page.locator(".theme-switch button").click()
    page.wait_for_url(live_site.url + "/gallery/")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    # An unknown theme forgets the choice; a foreign `next` goes home instead.
    response = page.request.post(
        live_site.url + "/theme/",
        form={"theme": "<b>evil</b>", "next": "https://evil.example/"},
        headers={"X-CSRFToken": token, "Referer": live_site.url + "/"},
        max_redirects=0,
    )
    assert response.status == 302 and response.headers["location"] == "/"
    page.goto(live_site.url + "/gallery/")
    assert page.locator("html").get_attribute("data-theme") is None


# --- 5. wording ------------------------------------------------------------------------------


def test_profile_counts_and_dates_read_naturally_in_both_languages(live_site, page_factory):
    base = live_site.url
    name = f"word{secrets.token_hex(3)}"
    author = page_factory("pc")
    sign_up(author, base, name)
    generate(author, base, "a small boat")
    post_url = publish_latest(author, base, "Boat")
    fan = page_factory("pc")
    sign_up(fan, base, f"fan{secrets.token_hex(3)}")
    fan.goto(post_url)
    fan.locator("[data-like-button]").click()
    expect(fan.locator("[data-like-count]")).to_have_text("1")
    author.goto(f"{base}/u/{name}/")
    expect(author.locator(".profile-stats")).to_contain_text("1 like received")
    author.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    author.goto(f"{base}/u/{name}/")
    expect(author.locator(".profile-text .muted").first).to_have_text(re.compile(r"· \d{4}年\d{1,2}月加入$"))
    expect(author.locator(".profile-stats")).to_contain_text("收到 1 个赞")
    author.context.clear_cookies()
    author.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    author.goto(base + "/accounts/login/")
    placeholder = author.locator("input[name=login]").get_attribute("placeholder") or ""
    assert placeholder == "用户名或邮箱"


# --- 4. accessibility details axe does not measure -------------------------------------------


def test_phone_tap_targets_are_at_least_44_px(live_site, page_factory):
    page = page_factory("phone")
    page.goto(live_site.url + "/")
    assert page.locator("meta[name=description]").get_attribute("content")
    targets = {
        "size chips": page.locator(".chip[data-size]"),
        "advanced": page.locator("details.advanced > summary"),
        "menu": page.locator("summary.menu-toggle"),
        "footer links": page.locator(".footer a"),
    }
    for name, locator in targets.items():
        assert locator.count(), name
        for box in (locator.nth(i).bounding_box() for i in range(locator.count())):
            assert box is not None and box["width"] >= 44 and box["height"] >= 44, (name, box)
    # Keyboard focus is visible.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_the_post_page_keeps_the_pictures_place_while_it_loads(live_site, page_factory):
    base = live_site.url
    author = page_factory("phone")
    sign_up(author, base, f"cls{secrets.token_hex(3)}")
    generate(author, base, "a windmill in a field")
    post_url = publish_latest(author, base, "Windmill")
    visitor = page_factory("phone")
    # Delay the picture so that, without its width and height, everything below it would jump.
    visitor.route("**/i/**", lambda route: (visitor.wait_for_timeout(800), route.continue_()))
    visitor.add_init_script(
        "window.__cls = 0; new PerformanceObserver(list => list.getEntries().forEach(e => {"
        " if (!e.hadRecentInput) window.__cls += e.value; })).observe({type: 'layout-shift', buffered: true});"
    )
    visitor.goto(post_url)
    image = visitor.locator(".post-image img")
    visitor.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    visitor.wait_for_timeout(300)
    assert visitor.evaluate("window.__cls") < 0.1

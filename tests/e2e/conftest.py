"""Browser tests: Debian's chromium driven by Playwright against a real daphne with its worker.

Run in their own pytest invocation (`pytest -p no:asyncio tests/e2e`): Playwright's sync API
runs an event loop of its own. Never `playwright install`: the browser is the system's.
"""

from __future__ import annotations

import pytest

from tests.conftest import chromium_path, need_service
from tests.live import LiveSite

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {"pc": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def live_site(tmp_path_factory):
    site = LiveSite(tmp_path_factory.mktemp("e2e-site"), worker_in_process=True)
    with site:
        site.prepare()
        site.start_server()
        yield site


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    need_service(bool(path), "Debian chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser):
    contexts = []

    def make(viewport: str | dict = "pc", **kwargs):
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        mobile = size["width"] < 600
        context = browser.new_context(
            viewport=size, is_mobile=mobile, has_touch=mobile, accept_downloads=True, **kwargs
        )
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def site_without_worker(tmp_path, redis_url):
    """A site whose jobs wait in the queue until a test runs a worker (events through Redis)."""
    with LiveSite(tmp_path / "site", worker_in_process=False, env_extra={"REDIS_URL": redis_url}) as site:
        site.prepare()
        site.start_server()
        yield site


def seed_posts(site: LiveSite, *, username: str, jobs: int, n: int, width: int = 256, height: int = 256) -> None:
    """`jobs` jobs of `n` pictures by a new user, made by the site's own worker, all published."""
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
for i in range({jobs}):
    spec = services.GenerationSpec(prompt=f"{username} picture {{i}}", model="untrained-tiny", width={width}, height={height}, n={n})
    generation = services.generation_create(owner=Owner(user_id=user.pk), spec=spec)
    deadline = time.monotonic() + 120
    while generation.is_active and time.monotonic() < deadline:
        time.sleep(0.2)
        generation.refresh_from_db()
    assert generation.status == "succeeded", (generation.status, generation.error)
    for image in generation.images.order_by("index"):
        post_publish(user=user, image=image, title=f"{username} {{i}}-{{image.index}}")
""",
    )

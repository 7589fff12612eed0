"""The site shell with DEBUG off: error pages in both languages, the create form's POST without
JavaScript, the theme and the app manifest. The browser side is in tests/e2e/test_site_shell.py."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from generation.models import Generation

pytestmark = pytest.mark.urls("tests.site_error_urls")


@pytest.fixture
def visitor(tiny_model):
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path, status, english, chinese",
    [
        ("/no/such/page/", 404, "Page not found", "找不到页面"),
        ("/test-403/", 403, "You cannot open this page", "你无法打开此页面"),
        ("/test-500/", 500, "Something went wrong on our side", "我们这边出错了"),
    ],
)
def test_error_pages_explain_and_lead_on_in_both_languages(visitor, settings, path, status, english, chinese):
    settings.DEBUG = False
    for language, heading in (("en", english), ("zh-hans", chinese)):
        visitor.cookies["django_language"] = language
        response = visitor.get(path)
        html = response.content.decode()
        assert response.status_code == status
        assert f"<h1>{heading}</h1>" in html
        assert 'name="viewport"' in html and 'id="site-nav"' in html
        assert 'href="/"' in html and 'href="/gallery/"' in html
        assert "a bug" not in html and "Traceback" not in html


def test_the_403_page_offers_the_login_to_a_visitor(visitor):
    html = visitor.get("/test-403/").content.decode()
    assert 'href="/accounts/login/?next=/test-403/"' in html


def test_the_form_post_creates_the_job_and_opens_its_page(visitor):
    response = visitor.post("/create/", {"prompt": "a red kite over the dunes", "seed": "", "n": "1"})
    assert response.status_code == 303
    generation = Generation.objects.get()
    assert response["Location"] == generation.get_absolute_url()
    assert generation.prompt == "a red kite over the dunes"
    # The job belongs to this visitor: the page opens for them, and for nobody else.
    assert visitor.get(response["Location"]).status_code == 200
    assert Client().get(response["Location"]).status_code == 404


@pytest.mark.parametrize(
    "data, field",
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 5000}, "prompt"),
        ({"prompt": "a cat", "n": "many"}, "n"),
        ({"prompt": "a cat", "width": "999999"}, "width"),
        ({"prompt": "a cat", "model": "someone-elses-model"}, "model"),
    ],
)
def test_a_refused_form_post_names_the_field_and_keeps_what_was_typed(visitor, data, field):
    response = visitor.post("/create/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f"<strong>{field}</strong>" in html
    assert not Generation.objects.exists()
    if data["prompt"]:
        assert data["prompt"] in html


def test_html_in_a_refused_prompt_is_shown_as_text(visitor):
    html = visitor.post("/create/", {"prompt": "<script>alert(1)</script>", "n": "0"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_form_refuses_a_get_and_a_post_without_the_csrf_token(visitor):
    assert visitor.get("/create/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/create/", {"prompt": "a cat"}).status_code == 403
    assert not Generation.objects.exists()


def test_the_theme_is_rendered_by_the_server_only_for_known_values(visitor):
    visitor.cookies["theme"] = "dark"
    assert '<html lang="en" data-theme="dark">' in visitor.get("/gallery/").content.decode()
    visitor.cookies["theme"] = '"><script>'
    assert '<html lang="en">' in visitor.get("/gallery/").content.decode()


def test_the_manifest_names_the_app_in_the_visitors_language(visitor):
    visitor.cookies["django_language"] = "zh-hans"
    manifest = json.loads(visitor.get("/manifest.webmanifest").content)
    assert manifest["lang"] == "zh-hans" and manifest["display"] == "standalone"
    assert manifest["description"] == "输入一句话，大约一秒得到一幅画。"
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}


def test_the_service_worker_precaches_only_static_files_and_the_offline_page(visitor):
    response = visitor.get("/sw.js")
    script = response.content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert response["Content-Type"].startswith("text/javascript") and "no-cache" in response["Cache-Control"]
    assert precache[0] == "/offline/" and all(url.startswith("/static/") for url in precache[1:])
    assert re.search(r'const CACHE = "instantpainting-[0-9a-f]{12}";', script)


def test_the_offline_page_holds_nothing_about_the_person(client_as):
    hamlet = client_as("hamlet")
    html = hamlet.get("/offline/").content.decode()
    assert "hamlet" not in html and "csrfmiddlewaretoken" not in html


def test_the_create_page_and_the_status_pills_use_one_word_for_a_finished_job(visitor):
    html = visitor.get("/").content.decode()
    strings = json.loads(re.search(r'<script id="i18n-create" type="application/json">(.*?)</script>', html).group(1))
    assert strings["succeeded"] == Generation.Status.SUCCEEDED.label == "Done"


def test_the_service_worker_is_offered_only_where_static_names_are_hashed(visitor, settings):
    settings.DEBUG = False
    assert 'data-sw="/sw.js"' in visitor.get("/gallery/").content.decode()
    settings.DEBUG = True  # unhashed names: a cached copy would hide a developer's edit
    assert "data-sw=" not in visitor.get("/gallery/").content.decode()

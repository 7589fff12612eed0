"""Server-rendered pages of the generation app, and model registration."""

from __future__ import annotations

import pytest
from django.test import Client

from generation.models import Generation, GeneratorModel
from tests.generation.conftest import job

pytestmark = pytest.mark.django_db


def test_create_page_offers_models_sizes_styles_and_labels_untrained(tiny_model):
    html = Client().get("/").content.decode()
    assert 'value="untrained-tiny"' in html and 'data-trained="0"' in html
    for size in ("512x512", "768x512", "512x768", "1024x1024", "custom"):
        assert f'data-size="{size}"' in html
    assert 'value="watercolor"' in html
    assert "untrained" in html


def test_create_page_prefills_from_query_parameters_safely(tiny_model):
    html = Client().get("/", {"prompt": "</script><script>alert(1)</script>", "seed": "5"}).content.decode()
    assert "</script><script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html  # json_script escapes it


def test_create_page_in_chinese(tiny_model):
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/").content.decode()
    assert 'lang="zh-hans"' in html
    assert "生成" in html


def test_history_has_a_helpful_empty_state_then_lists_my_jobs(hamlet, tiny_model):
    client = Client()
    client.force_login(hamlet)
    assert "Create your first picture" in client.get("/generations/").content.decode()
    gid = client.post("/api/v1/generations/", job(prompt="a quiet lake"), content_type="application/json").json()["id"]
    html = client.get("/generations/").content.decode()
    assert "a quiet lake" in html and gid in html
    assert ">now</time>" in html  # not "0 minutes"
    assert "Page 1 of 1" not in html and 'class="pagination"' not in html  # one page needs no pager


def test_history_pages_past_24_jobs(hamlet, tiny_model):
    Generation.objects.bulk_create(
        Generation(user=hamlet, prompt=f"job {i}", model=tiny_model, width=256, height=256, seed=i) for i in range(25)
    )
    client = Client()
    client.force_login(hamlet)
    first = client.get("/generations/").content.decode()
    assert "Page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    second = client.get("/generations/?page=2").content.decode()
    assert "Page 2 of 2" in second and 'rel="prev" href="?page=1"' in second and 'rel="next"' not in second


def test_history_marks_unfinished_jobs_for_the_live_script(hamlet, tiny_model):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(hamlet)
    gid = client.post("/api/v1/generations/", job(), content_type="application/json").json()["id"]
    html = client.get("/generations/").content.decode()
    assert f'data-id="{gid}" data-status="queued"' in html
    assert 'class="progress card-progress"' in html and "js/joblist.js" in html
    assert '"succeeded": "\\u5b8c\\u6210"' in html  # the script's status labels, in the page's language
    Generation.objects.filter(public_id=gid).update(status="failed")
    html = client.get("/generations/").content.decode()
    assert 'data-status="failed"' in html and "card-progress" not in html


def test_detail_page_is_404_for_anyone_but_the_owner(hamlet, othello, tiny_model):
    owner, stranger = Client(), Client()
    owner.force_login(hamlet)
    stranger.force_login(othello)
    url = owner.post("/api/v1/generations/", job(), content_type="application/json").json()["url"]
    assert owner.get(url).status_code == 200
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_registration_finds_packages_marks_untrained_and_disables_vanished(registered_models, settings, tmp_path):
    from generation.services import models_register_from_disk

    names = {m.name for m in registered_models}
    assert "untrained-tiny" in names
    assert GeneratorModel.objects.get(name="untrained-tiny").trained is False
    assert GeneratorModel.objects.filter(is_default=True).count() == 1
    settings.MODELS_DIR = tmp_path  # an empty folder: every model vanished
    assert models_register_from_disk() == []
    assert not GeneratorModel.objects.filter(enabled=True).exists()

"""Tags: #words in titles and a tag field, in any script; tag pages, tag search, bad tags."""

from __future__ import annotations

import pytest

from gallery.models import Post, Tag
from gallery.services import post_set_hidden
from generation.models import BlockedTerm
from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db


def publish(client, image, title="", tags=None):
    body = {"image": str(image.public_id), "title": title}
    if tags is not None:
        body["tags"] = tags
    return client.post("/api/v1/posts/", body, content_type="application/json")


def test_title_hashtags_and_the_tag_field_become_tags_in_both_scripts(client_as, hamlet):
    response = publish(client_as("hamlet"), make_image(user=hamlet), "Dusk #Sunset over #山水", ["sea", "#SUNSET"])
    assert response.status_code == 201
    assert response.json()["tags"] == ["sunset", "山水", "sea"] or set(response.json()["tags"]) == {
        "sunset",
        "山水",
        "sea",
    }
    assert set(Tag.objects.values_list("name", flat=True)) == {"sunset", "山水", "sea"}
    html = client_as("guest").get(response.json()["url"].replace("http://testserver", "")).content.decode()
    assert 'href="/t/%E5%B1%B1%E6%B0%B4/"' in html or 'href="/t/山水/"' in html


def test_the_publish_page_takes_tags_as_text(client_as, hamlet):
    image = make_image(user=hamlet)
    response = client_as("hamlet").post(f"/publish/{image.public_id}/", {"title": "x", "tags": "sea, 山水  sky"})
    assert response.status_code == 302
    assert set(Post.objects.get().tags.values_list("name", flat=True)) == {"sea", "山水", "sky"}


@pytest.mark.parametrize(
    "tags",
    [["<script>"], ["two words"], ["x" * 33], [f"t{i}" for i in range(11)], [["nested"]], "not-a-list-of-words!"],
)
def test_bad_tags_are_refused_and_nothing_is_published(client_as, hamlet, tags):
    response = publish(client_as("hamlet"), make_image(user=hamlet), "t", tags)
    assert response.status_code == 400 and "tags" in response.json()
    assert not Post.objects.exists() and not Tag.objects.exists()


def test_blocked_terms_are_refused_as_tags(client_as, hamlet):
    BlockedTerm.objects.create(term="forbiddenword")
    response = publish(client_as("hamlet"), make_image(user=hamlet), "t", ["forbiddenword"])
    assert response.status_code == 400 and "tags" in response.json()


def test_tag_page_feed_filter_and_search_show_visible_posts_only(client_as, hamlet, othello, iago):
    seen = make_post(user=hamlet, title="one #sunset")
    hidden = make_post(user=othello, title="two #sunset")
    make_post(user=othello, title="three #sea")
    post_set_hidden(post=hidden, hidden=True, by=iago)
    guest = client_as("guest")
    page = guest.get("/t/SUNSET/")
    assert (
        page.status_code == 200
        and "one #sunset" in page.content.decode()
        and "two #sunset" not in page.content.decode()
    )
    assert guest.get("/t/nothing/").status_code == 404
    assert [r["id"] for r in guest.get("/api/v1/posts/?tag=sunset").json()["results"]] == [seen.pk]
    assert [r["id"] for r in guest.get("/api/v1/posts/?q=%23sunset").json()["results"]] == [seen.pk]
    found = guest.get("/api/v1/tags/?q=sun").json()
    assert [(t["name"], t["post_count"]) for t in found["results"]] == [("sunset", 1)]
    assert found["results"][0]["posts_url"].startswith("http://testserver/api/v1/posts/?tag=")
    assert {t["name"] for t in guest.get("/api/v1/tags/").json()["results"]} == {"sunset", "sea"}
    assert "#sea" in guest.get("/tags/?q=se").content.decode()
    assert "No tag matches" in guest.get("/tags/?q=zzz").content.decode()
    assert guest.get("/api/v1/tags/?q=" + "x" * 40).status_code == 400


def test_tag_pages_work_in_chinese(client_as, hamlet):
    make_post(user=hamlet, title="远山 #山水")
    client = client_as("guest")
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/t/山水/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "#山水" in page.content.decode()

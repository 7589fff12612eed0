"""Feeds (latest, popular, category, style, search, featured), pagination without JS, likes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gallery.models import Like, Post
from gallery.services import post_like_toggle, post_set_featured, post_set_hidden
from tests.gallery.factories import generator_model, make_post

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def feed_post_ids(html: str) -> list[int]:
    """Post ids of the cards on a page, in order."""
    return [
        int(pk)
        for pk in re.findall(r'<article class="card post-card">\s*<a class="post-card-image" href="/p/(\d+)/"', html)
    ]


def test_latest_lists_newest_first(client, hamlet):
    a, b, c = (make_post(user=hamlet) for _ in range(3))
    assert ids(client.get("/api/v1/posts/")) == [c.pk, b.pk, a.pk]
    assert feed_post_ids(client.get("/gallery/").content.decode()) == [c.pk, b.pk, a.pk]


def test_popular_counts_only_likes_in_the_recent_window(client, hamlet, othello, iago):
    old_favourite, fresh, quiet = (make_post(user=hamlet) for _ in range(3))
    for user in (othello, iago, hamlet):
        post_like_toggle(post=old_favourite, user=user)
    Like.objects.filter(post=old_favourite).update(created_at=timezone.now() - timedelta(days=30))
    post_like_toggle(post=fresh, user=othello)
    assert ids(client.get("/api/v1/posts/?ordering=popular")) == [fresh.pk, old_favourite.pk, quiet.pk]
    html = client.get("/gallery/?ordering=popular").content.decode()
    assert feed_post_ids(html) == [fresh.pk, old_favourite.pk, quiet.pk]


def test_filter_by_category_and_style(client, hamlet):
    food = make_post(user=hamlet, model=generator_model(name="demo-food", category="food"), style="")
    anime = make_post(user=hamlet, model=generator_model(name="demo-anime", category="anime"), style="watercolor")
    plain = make_post(user=hamlet)
    assert ids(client.get("/api/v1/posts/?category=food")) == [food.pk]
    assert ids(client.get("/api/v1/posts/?style=watercolor")) == [anime.pk]
    assert set(ids(client.get("/api/v1/posts/"))) == {food.pk, anime.pk, plain.pk}
    html = client.get("/gallery/?category=anime").content.decode()
    assert feed_post_ids(html) == [anime.pk]
    assert 'aria-current="page">Anime</a>' in html  # the chip shows the filter, by its display name


def test_search_matches_every_word_in_prompt_or_title(client, hamlet):
    fox = make_post(user=hamlet, prompt="a red fox in the snow")
    titled = make_post(user=hamlet, prompt="an animal", title="Snowy red fox")
    make_post(user=hamlet, prompt="a red car")
    assert set(ids(client.get("/api/v1/posts/?q=fox+red"))) == {fox.pk, titled.pk}
    assert ids(client.get("/api/v1/posts/?q=nothing-like-this")) == []
    html = client.get("/gallery/?q=RED+FOX").content.decode()
    assert set(feed_post_ids(html)) == {fox.pk, titled.pk}
    assert "No pictures match" in client.get("/gallery/?q=zzzz").content.decode()


def test_featured_filter(client, hamlet, iago):
    star = make_post(user=hamlet)
    make_post(user=hamlet)
    post_set_featured(post=star, featured=True, by=iago)
    assert ids(client.get("/api/v1/posts/?featured=true")) == [star.pk]
    assert feed_post_ids(client.get("/gallery/?featured=on").content.decode()) == [star.pk]


def test_hidden_posts_and_banned_authors_leave_every_feed(client, hamlet, othello, iago):
    hidden = make_post(user=hamlet)
    banned = make_post(user=othello)
    kept = make_post(user=hamlet)
    post_set_hidden(post=hidden, hidden=True, by=iago)
    othello.is_active = False
    othello.save()
    assert ids(client.get("/api/v1/posts/")) == [kept.pk]
    assert feed_post_ids(client.get("/gallery/").content.decode()) == [kept.pk]
    assert client.get(banned.get_share_path()).status_code == 410


def test_bad_feed_parameters_are_400_in_the_api_and_ignored_on_the_page(client, hamlet):
    make_post(user=hamlet)
    assert client.get("/api/v1/posts/?ordering=oldest").status_code == 400
    assert client.get("/api/v1/posts/?q=" + "x" * 201).status_code == 400
    assert client.get("/api/v1/posts/?page=999").status_code == 404
    page = client.get("/gallery/?ordering=oldest&page=abc&q=" + "x" * 300)
    assert page.status_code == 200


def test_pagination_works_with_plain_links(client, hamlet):
    posts = [make_post(user=hamlet) for _ in range(26)]
    first = client.get("/gallery/").content.decode()
    assert len(feed_post_ids(first)) == 24
    match = re.search(r'rel="next" href="([^"]+)"', first)
    assert match and match.group(1) == "?page=2"
    second = client.get("/gallery/" + match.group(1).replace("&amp;", "&")).content.decode()
    assert feed_post_ids(second) == [posts[1].pk, posts[0].pk]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # Filters survive into the next link.
    filtered = client.get("/gallery/?category=landscape").content.decode()
    assert re.search(r'rel="next" href="\?category=landscape&amp;page=2"', filtered)


def test_the_api_list_is_paginated(client, hamlet):
    for _ in range(26):
        make_post(user=hamlet)
    body = client.get("/api/v1/posts/").json()
    assert body["count"] == 26 and len(body["results"]) == 24 and body["next"]
    assert len(client.get("/api/v1/posts/?page=2").json()["results"]) == 2


def test_an_empty_gallery_says_so(client, db):
    assert "Nothing is published yet" in client.get("/gallery/").content.decode()


# --- likes -------------------------------------------------------------------------------


def test_like_toggles_and_counts(client_as, hamlet):
    post = make_post(user=hamlet)
    othello, iago = client_as("othello"), client_as("iago")
    assert othello.post(f"/api/v1/posts/{post.pk}/like/").json() == {"liked": True, "like_count": 1}
    assert iago.post(f"/api/v1/posts/{post.pk}/like/").json() == {"liked": True, "like_count": 2}
    assert othello.post(f"/api/v1/posts/{post.pk}/like/").json() == {"liked": False, "like_count": 1}
    post.refresh_from_db()
    assert post.like_count == 1 == Like.objects.filter(post=post).count()
    assert iago.get(f"/api/v1/posts/{post.pk}/").json()["liked"] is True
    assert othello.get(f"/api/v1/posts/{post.pk}/").json()["liked"] is False


def test_the_like_form_works_without_js_and_with_json(client_as, hamlet):
    post = make_post(user=hamlet)
    c = client_as("othello")
    response = c.post(f"/p/{post.pk}/like/")
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert 'aria-pressed="true"' in c.get(post.get_absolute_url()).content.decode()
    response = c.post(f"/p/{post.pk}/like/", HTTP_ACCEPT="application/json")
    assert response.json() == {"liked": False, "like_count": 0}


def test_the_like_form_redirects_to_a_safe_next_only(client_as, hamlet):
    post = make_post(user=hamlet)
    c = client_as("othello")
    assert c.post(f"/p/{post.pk}/like/", {"next": "/gallery/"})["Location"] == "/gallery/"
    assert c.post(f"/p/{post.pk}/like/", {"next": "https://evil.example/"})["Location"] == post.get_absolute_url()


def test_guests_are_sent_to_log_in_to_like(client, hamlet):
    post = make_post(user=hamlet)
    response = client.post(f"/p/{post.pk}/like/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert f"next=/p/{post.pk}/" in response["Location"].replace("%2F", "/")
    assert not Like.objects.exists()


def test_a_hidden_post_cannot_be_liked(client_as, hamlet, iago):
    post = make_post(user=hamlet)
    post_set_hidden(post=post, hidden=True, by=iago)
    assert client_as("othello").post(f"/api/v1/posts/{post.pk}/like/").status_code == 410
    assert client_as("othello").post(f"/p/{post.pk}/like/").status_code == 410
    assert not Like.objects.exists()


def test_like_only_accepts_post(client_as, hamlet):
    post = make_post(user=hamlet)
    assert client_as("othello").get(f"/api/v1/posts/{post.pk}/like/").status_code == 405
    assert client_as("othello").get(f"/p/{post.pk}/like/").status_code == 405


def test_the_count_cannot_go_negative(hamlet, othello):
    post = make_post(user=hamlet)
    Like.objects.create(post=post, user=othello)  # a like the counter never saw
    assert post_like_toggle(post=post, user=othello) == (False, 0)
    Post.objects.filter(pk=post.pk).update(like_count=0)
    post.refresh_from_db()
    assert post.like_count == 0

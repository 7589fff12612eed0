"""Every feed page costs the same number of queries however many rows it shows (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gallery.comments import comment_create
from gallery.follows import follow_set
from gallery.models import Post
from gallery.services import post_like_toggle
from tests.gallery.factories import make_post

pytestmark = pytest.mark.django_db

FEEDS = [
    "/api/v1/posts/",
    "/api/v1/posts/?ordering=popular",
    "/api/v1/feed/following/",
    "/api/v1/notifications/",
    "/api/v1/posts/{post}/comments/",
    "/api/v1/users/hamlet/followers/",
    "/gallery/",
    "/following/",
    "/notifications/",
    "/p/{post}/",
]


def add_activity(*, authors, fans, first: Post, n: int) -> None:
    """n more posts by `authors`, each liked and commented on by every fan."""
    for i in range(n):
        post = make_post(user=authors[i % len(authors)], title=f"post {i}")
        for fan in fans:
            post_like_toggle(post=post, user=fan)
            comment_create(post=post, user=fan, body=f"nice {i}")
            comment_create(post=first, user=fan, body=f"on the first {i}")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_page_costs_the_same_queries_for_2_and_for_20_rows(client_as, make_user, hamlet, othello, url):
    fans = [make_user(f"fan{i}") for i in range(2)]
    for fan in [*fans, othello]:
        follow_set(follower=fan, followed=hamlet, on=True)
    follow_set(follower=hamlet, followed=othello, on=True)
    first = make_post(user=othello, title="first")
    add_activity(authors=[othello, hamlet], fans=fans, first=first, n=2)
    client = client_as("hamlet")
    path = url.format(post=first.pk)
    client.get(path)  # warm per-process caches (content types, sessions)
    few = queries(client, path)
    more_fans = [make_user(f"later{i}") for i in range(9)]
    for fan in more_fans:
        follow_set(follower=fan, followed=hamlet, on=True)
    add_activity(authors=[othello, hamlet], fans=[*fans, *more_fans], first=first, n=10)
    many = queries(client, path)
    assert many == few, f"{path}: {few} queries for a few rows, {many} for many"


def test_late_rows_pages_match_the_plain_ordering(hamlet, othello, make_user):
    from gallery.selectors import posts_feed

    posts = [make_post(user=hamlet if i % 2 else othello, title=f"p{i}") for i in range(9)]
    fans = [make_user(f"fan{i}") for i in range(4)]
    for i, post in enumerate(posts):
        for fan in fans[: i % 5]:
            post_like_toggle(post=post, user=fan)
    popular = posts_feed(ordering="popular", viewer=othello)
    assert popular._late_rows
    plain = popular._clone()
    plain._late_rows = False  # the ordinary fetch: one query sorting whole rows
    for start, stop in [(0, 4), (4, 8), (8, 12), (2, 3)]:
        page = list(popular[start:stop])
        assert [p.pk for p in page] == [p.pk for p in plain[start:stop]]
        assert all(hasattr(p, "liked") and p.author.profile is not None for p in page)

"""Follows (who may, counts, lists, the Following feed) and notifications (stored, batched, listed, read)."""

from __future__ import annotations

import pytest

from accounts.models import Profile
from gallery.models import Follow, Notification
from gallery.services import post_like_toggle, post_publish
from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, status, follows",
    [("hamlet", 400, 0), ("othello", 200, 1), ("guest", 401, 0), ("iago", 200, 1), ("banned", 401, 0)],
)
def test_people_follow_others_but_not_themselves_and_guests_cannot(as_, hamlet, who, status, follows):
    response = as_(who).post("/api/v1/users/hamlet/follow/")
    assert response.status_code == status
    assert Follow.objects.filter(followed=hamlet).count() == follows


def test_follow_unfollow_counts_and_lists(client_as, hamlet, othello, iago):
    othello_api = client_as("othello")
    assert othello_api.post("/api/v1/users/hamlet/follow/").json() == {
        "following": True,
        "followers": 1,
        "following_count": 0,
    }
    assert othello_api.post("/api/v1/users/hamlet/follow/").json()["followers"] == 1  # twice is still once
    client_as("iago").post("/api/v1/users/hamlet/follow/")
    listed = client_as("guest").get("/api/v1/users/hamlet/followers/").json()
    assert listed["count"] == 2 and {p["username"] for p in listed["results"]} == {"othello", "iago"}
    assert client_as("guest").get("/api/v1/users/othello/following/").json()["results"][0]["username"] == "hamlet"
    assert othello_api.delete("/api/v1/users/hamlet/follow/").json()["following"] is False
    page = client_as("guest").get("/u/hamlet/").content.decode()
    assert "data-followers>1<" in page
    assert "iago" in client_as("guest").get("/u/hamlet/followers/").content.decode()


def test_following_an_unknown_or_banned_person_is_a_404(client_as, hamlet):
    assert client_as("othello").post("/api/v1/users/nobody/follow/").status_code == 404
    hamlet.is_active = False
    hamlet.save()
    assert client_as("othello").post("/api/v1/users/hamlet/follow/").status_code == 404
    assert client_as("othello").post("/u/hamlet/follow/").status_code == 404


def test_follow_page_button_follows_and_unfollows(client_as, hamlet, othello):
    client = client_as("othello")
    assert client.post("/u/hamlet/follow/", {"action": "follow"}).status_code == 302
    assert Follow.objects.filter(follower=othello, followed=hamlet).exists()
    assert "Unfollow" in client.get("/u/hamlet/").content.decode()
    client.post("/u/hamlet/follow/", {"action": "unfollow"})
    assert not Follow.objects.exists()
    assert client_as("guest").post("/u/hamlet/follow/").status_code == 302  # to the login page
    assert not Follow.objects.exists()


def test_the_following_feed_shows_only_followed_peoples_visible_posts(client_as, hamlet, othello, iago):
    followed = make_post(user=hamlet, title="from hamlet")
    make_post(user=iago, title="from iago")
    client = client_as("othello")
    assert client.get("/api/v1/feed/following/").json()["count"] == 0
    assert "Nobody you follow" in client.get("/following/").content.decode()
    client.post("/api/v1/users/hamlet/follow/")
    rows = client.get("/api/v1/feed/following/").json()["results"]
    assert [r["id"] for r in rows] == [followed.pk]
    assert "from hamlet" in client.get("/following/").content.decode()
    assert client_as("guest").get("/api/v1/feed/following/").status_code == 401
    assert client_as("guest").get("/following/").status_code == 302


def test_likes_are_batched_into_one_notification_until_read(hamlet, othello, iago, make_user):
    post = make_post(user=hamlet, title="Dusk")
    for user in (othello, iago, *(make_user(f"fan{i}") for i in range(10))):
        post_like_toggle(post=post, user=user)
    note = Notification.objects.get(recipient=hamlet)
    assert note.kind == "like" and note.actor_count == 12
    post_like_toggle(post=post, user=othello)  # unlike and like again: still counted once
    post_like_toggle(post=post, user=othello)
    note.refresh_from_db()
    assert note.actor_count == 12
    note.is_read = True
    note.save()
    post_like_toggle(post=post, user=make_user("late"))
    assert Notification.objects.filter(recipient=hamlet, is_read=False).get().actor_count == 1


def test_a_remix_notifies_the_original_author(hamlet, othello):
    original = make_post(user=hamlet)
    image = make_image(user=othello, options={"remix_of": str(original.pk)})
    post_publish(user=othello, image=image)
    assert Notification.objects.get(recipient=hamlet).kind == "remix"


def test_the_notifications_page_api_and_header_show_only_ones_own(client_as, hamlet, othello):
    post = make_post(user=hamlet, title="Dusk")
    post_like_toggle(post=post, user=othello)
    hamlet_client = client_as("hamlet")
    header = hamlet_client.get("/gallery/").content.decode()
    assert "data-unread>1<" in header
    page = hamlet_client.get("/notifications/").content.decode()
    assert "othello liked “Dusk”" in page
    body = hamlet_client.get("/api/v1/notifications/").json()
    assert body["count"] == 1 and body["unread"] == 1 and body["results"][0]["kind"] == "like"
    assert body["results"][0]["url"].startswith("http://testserver/p/")
    # Another person sees none of them, and cannot mark them read by id.
    othello_client = client_as("othello")
    assert othello_client.get("/api/v1/notifications/").json()["count"] == 0
    note_id = body["results"][0]["id"]
    assert (
        othello_client.post("/api/v1/notifications/", {"ids": [note_id]}, content_type="application/json").json()[
            "marked"
        ]
        == 0
    )
    assert Notification.objects.get(pk=note_id).is_read is False
    assert client_as("guest").get("/api/v1/notifications/").status_code == 401
    assert client_as("guest").get("/notifications/").status_code == 302
    marked = hamlet_client.post("/api/v1/notifications/", {"ids": [note_id]}, content_type="application/json").json()
    assert marked == {"marked": 1, "unread": 0}
    assert "data-unread hidden>0<" in hamlet_client.get("/gallery/").content.decode()


@pytest.mark.parametrize("ids", ["x", ["a"], [0], [-1], "1,2"])
def test_marking_read_refuses_bad_ids(client_as, hamlet, ids):
    response = client_as("hamlet").post("/api/v1/notifications/", {"ids": ids}, content_type="application/json")
    assert response.status_code == 400 and "ids" in response.json()


def test_notifications_are_paginated(client_as, hamlet, make_user):
    for i in range(30):
        post = make_post(user=hamlet)
        post_like_toggle(post=post, user=make_user(f"fan{i}"))
    client = client_as("hamlet")
    first = client.get("/api/v1/notifications/").json()
    assert first["count"] == 30 and len(first["results"]) == 24
    assert "Page 1 of 2" in client.get("/notifications/").content.decode()


def test_settings_turn_notification_kinds_off_and_refuse_unknown_ones(client_as, hamlet):
    client = client_as("hamlet")
    assert client.post("/settings/", {"action": "notifications", "notifications": ["comment"]}).status_code == 302
    assert Profile.objects.get(user=hamlet).notifications_off == ["like", "reply", "remix", "follow"]
    bad = client.post("/settings/", {"action": "notifications", "notifications": ["<script>"]})
    assert bad.status_code == 400
    assert Profile.objects.get(user=hamlet).notifications_off == ["like", "reply", "remix", "follow"]


def test_notification_text_and_pages_in_chinese(client_as, hamlet, othello, make_user):
    from django.utils import translation

    from gallery.notifications import notification_text

    post = make_post(user=hamlet, title="黄昏")
    for user in (othello, make_user("cassio"), make_user("bianca")):
        post_like_toggle(post=post, user=user)
    with translation.override("zh-hans"):
        assert notification_text(Notification.objects.get()) == "bianca 等 2 人赞了“黄昏”"
    client = client_as("hamlet")
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全部标为已读" in page and "赞了“黄昏”" in page


def test_a_banned_person_cannot_read_or_mark_notifications(banned):
    assert banned.get("/api/v1/notifications/").status_code == 401
    assert banned.post("/api/v1/notifications/", {}, content_type="application/json").status_code == 401


def test_the_user_api_counts_followers_and_following(client_as, hamlet, othello):
    client_as("othello").post("/api/v1/users/hamlet/follow/")
    body = client_as("guest").get("/api/v1/users/hamlet/").json()
    assert (body["followers"], body["following"]) == (1, 0)
    assert body["followers_url"] == "http://testserver/api/v1/users/hamlet/followers/"
    assert client_as("guest").get("/api/v1/users/othello/").json()["following"] == 1


def test_opening_a_notification_marks_it_read_and_only_its_owner_can(client_as, hamlet, othello):
    post = make_post(user=hamlet, title="Dusk")
    post_like_toggle(post=post, user=othello)
    note = Notification.objects.get()
    assert client_as("othello").get(f"/notifications/{note.pk}/").status_code == 404
    assert client_as("guest").get(f"/notifications/{note.pk}/").status_code == 302  # to the login page
    assert Notification.objects.get().is_read is False
    opened = client_as("hamlet").get(f"/notifications/{note.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/p/{post.pk}/"
    assert Notification.objects.get().is_read is True

"""Deleting an account keeps what other people wrote: rosencrantz deletes his account, and othello's
replies to his comments, the notifications that counted others beside him, and the reports he
filed stay; nothing of him (name or words) shows anywhere afterwards."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import services as account_services
from gallery import comments
from gallery import services as gallery_services
from gallery.models import Comment, Notification, NotificationActor, Post, Report
from gallery.notifications import notification_text
from tests.conftest import PASSWORD
from tests.gallery.factories import make_post

pytestmark = pytest.mark.django_db
User = get_user_model()

SECRET = "Rosencrantz's own words about the sea"


@pytest.fixture
def rosencrantz(make_user):
    return make_user("rosencrantz")


def delete_account(user, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        account_services.account_delete(user=user, password=PASSWORD)
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.fixture
def thread(hamlet, othello, rosencrantz):
    """On hamlet's post: rosencrantz comments, othello replies to him, and rosencrantz answers."""
    post = make_post(user=hamlet, title="Dusk")
    said = comments.comment_create(post=post, user=rosencrantz, body=SECRET)
    reply = comments.comment_create(post=post, user=othello, body="Othello answers", parent=said.pk)
    comments.comment_create(post=post, user=rosencrantz, body=f"{SECRET}, again", parent=said.pk)
    return {"post": post, "said": said, "reply": reply}


def assert_no_trace_of_rosencrantz(text: str) -> None:
    assert "rosencrantz" not in text.lower()
    assert "own words about the sea" not in text


def test_a_reply_survives_the_account_it_replied_to_under_a_tombstone(
    thread, othello, rosencrantz, django_capture_on_commit_callbacks
):
    delete_account(rosencrantz, django_capture_on_commit_callbacks)
    reply = Comment.objects.get(pk=thread["reply"].pk)
    assert (reply.author, reply.body) == (othello, "Othello answers")
    tombstone = reply.parent
    assert tombstone is not None and tombstone.pk == thread["said"].pk
    assert (tombstone.author_id, tombstone.body, tombstone.is_tombstone) == (None, "", True)
    assert Comment.objects.filter(post=thread["post"]).count() == 2  # his own reply went
    post = Post.objects.get(pk=thread["post"].pk)
    assert post.comment_count == 1  # the tombstone is not counted
    page = Client().get(post.get_absolute_url()).content.decode()
    assert "Comment deleted" in page and "Othello answers" in page
    assert page.index("Comment deleted") < page.index("Othello answers")  # the reply keeps its place


def test_the_tombstone_leaks_neither_his_name_nor_his_words(
    thread, hamlet, othello, rosencrantz, django_capture_on_commit_callbacks
):
    post = thread["post"]
    delete_account(rosencrantz, django_capture_on_commit_callbacks)
    for client in [Client(), Client(HTTP_ACCEPT_LANGUAGE="zh-hans")]:
        client.force_login(othello)
        page = client.get(post.get_absolute_url())
        assert page.status_code == 200
        assert_no_trace_of_rosencrantz(page.content.decode())
    assert "评论已删除" in page.content.decode()
    guest = Client()
    api = guest.get(f"/api/v1/posts/{post.pk}/comments/")
    assert api.status_code == 200
    rows = api.json()["results"]
    assert_no_trace_of_rosencrantz(json.dumps(rows))
    tombstone, reply = rows
    assert (tombstone["id"], tombstone["author"], tombstone["body"], tombstone["deleted"]) == (
        thread["said"].pk,
        None,
        "",
        True,
    )
    assert (reply["parent"], reply["author"]["username"], reply["deleted"]) == (tombstone["id"], "othello", False)
    assert_no_trace_of_rosencrantz(guest.get(post.get_share_path()).content.decode())
    assert_no_trace_of_rosencrantz(guest.get("/").content.decode())
    assert_no_trace_of_rosencrantz(guest.get(f"/api/v1/posts/{post.pk}/").content.decode())
    as_hamlet = Client()
    as_hamlet.force_login(hamlet)
    assert_no_trace_of_rosencrantz(as_hamlet.get("/notifications/").content.decode())
    assert_no_trace_of_rosencrantz(as_hamlet.get("/api/v1/notifications/").content.decode())
    # Nobody can act on a tombstone: it has nothing left to edit, remove or report.
    as_othello = Client()
    as_othello.force_login(othello)
    tombstone_id = thread["said"].pk
    assert as_othello.get(f"/c/{tombstone_id}/report/").status_code == 404
    assert as_othello.delete(f"/api/v1/comments/{tombstone_id}/").status_code == 404
    assert as_hamlet.post(f"/c/{tombstone_id}/delete/").status_code == 404
    # People can still reply in its thread.
    more = as_othello.post(
        f"/api/v1/posts/{post.pk}/comments/",
        {"body": "still here", "parent": tombstone_id},
        content_type="application/json",
    )
    assert more.status_code == 201 and more.json()["parent"] == tombstone_id


def test_only_his_comments_that_others_replied_to_stay_and_only_as_tombstones(
    hamlet, othello, rosencrantz, django_capture_on_commit_callbacks
):
    """His comment without replies, the one only he replied to, and his reply to othello go
    outright; the one othello replied to stays as a tombstone."""
    post = make_post(user=hamlet)
    alone = comments.comment_create(post=post, user=rosencrantz, body=SECRET)
    talking_to_himself = comments.comment_create(post=post, user=rosencrantz, body="a first thought")
    comments.comment_create(post=post, user=rosencrantz, body="a second thought", parent=talking_to_himself.pk)
    replied_to = comments.comment_create(post=post, user=rosencrantz, body="a question")
    answer = comments.comment_create(post=post, user=othello, body="an answer", parent=replied_to.pk)
    othellos = comments.comment_create(post=post, user=othello, body="Othello's own comment")
    his_reply = comments.comment_create(post=post, user=rosencrantz, body="I agree", parent=othellos.pk)
    delete_account(rosencrantz, django_capture_on_commit_callbacks)
    left = Comment.objects.filter(post=post).order_by("pk")
    assert [(c.pk, c.author_id, c.body) for c in left] == [
        (replied_to.pk, None, ""),
        (answer.pk, othello.pk, "an answer"),
        (othellos.pk, othello.pk, "Othello's own comment"),
    ]
    assert not Comment.objects.filter(pk__in=[alone.pk, talking_to_himself.pk, his_reply.pk]).exists()
    assert Post.objects.get(pk=post.pk).comment_count == 2
    assert Client().get(post.get_absolute_url()).content.decode().count("Comment deleted") == 1


def test_a_tombstone_goes_when_the_last_reply_under_it_goes(
    thread, othello, rosencrantz, django_capture_on_commit_callbacks
):
    delete_account(rosencrantz, django_capture_on_commit_callbacks)
    comments.comment_delete(comment=Comment.objects.get(pk=thread["reply"].pk), user=othello)
    assert not Comment.objects.filter(post=thread["post"]).exists()
    assert Post.objects.get(pk=thread["post"].pk).comment_count == 0


def test_a_notification_that_counted_others_survives_one_of_them(
    hamlet, othello, iago, rosencrantz, django_capture_on_commit_callbacks
):
    """hamlet's "rosencrantz and 1 other liked “Dusk”" becomes "othello liked “Dusk”"; the comment
    notification moves to othello's comment; one only rosencrantz was in goes."""
    dusk = make_post(user=hamlet, title="Dusk")
    dawn = make_post(user=hamlet, title="Dawn")
    gallery_services.post_like_toggle(post=dusk, user=othello)
    gallery_services.post_like_toggle(post=dusk, user=rosencrantz)  # the latest actor
    othellos = comments.comment_create(post=dusk, user=othello, body="Othello's comment")
    comments.comment_create(post=dusk, user=rosencrantz, body=SECRET)
    gallery_services.post_like_toggle(post=dawn, user=rosencrantz)
    likes = Notification.objects.get(recipient=hamlet, kind="like", post=dusk)
    assert (likes.actor, likes.actor_count) == (rosencrantz, 2)
    assert notification_text(likes) == "rosencrantz and 1 other liked “Dusk”"
    delete_account(rosencrantz, django_capture_on_commit_callbacks)
    likes.refresh_from_db()
    assert (likes.actor, likes.actor_count) == (othello, 1)
    assert notification_text(likes) == "othello liked “Dusk”"
    assert list(NotificationActor.objects.filter(notification=likes).values_list("user", flat=True)) == [othello.pk]
    said = Notification.objects.get(recipient=hamlet, kind="comment", post=dusk)
    assert (said.actor, said.actor_count, said.comment) == (othello, 1, othellos)
    assert not Notification.objects.filter(recipient=hamlet, post=dawn).exists()
    client = Client()
    client.force_login(hamlet)
    assert_no_trace_of_rosencrantz(client.get("/notifications/").content.decode())
    api = client.get("/api/v1/notifications/").json()
    assert api["count"] == 2 and {row["actor"]["username"] for row in api["results"]} == {"othello"}
    assert client.get(f"/notifications/{said.pk}/")["Location"] == othellos.get_absolute_url()


def test_a_report_survives_its_reporter_and_the_queue_still_shows_it(
    hamlet, rosencrantz, iago, django_capture_on_commit_callbacks
):
    post = make_post(user=hamlet)
    said = comments.comment_create(post=post, user=hamlet, body="Hamlet's comment")
    about_post = gallery_services.post_report(post=post, user=rosencrantz, reason="spam", details="he filed this")
    about_comment = comments.comment_report(comment=said, user=rosencrantz, reason="hateful")
    delete_account(rosencrantz, django_capture_on_commit_callbacks)
    kept = Report.objects.filter(pk__in=[about_post.pk, about_comment.pk]).order_by("pk")
    assert [(r.reporter_id, r.reporter_deleted, r.status) for r in kept] == [(None, True, "open")] * 2
    assert kept[0].details == "he filed this"
    moderator = Client()
    moderator.force_login(iago)
    queue = moderator.get("/admin/gallery/report/")
    assert queue.status_code == 200
    html = queue.content.decode()
    assert "(deleted account)" in html and "Hamlet&#x27;s comment" in html
    assert_no_trace_of_rosencrantz(html)
    assert moderator.get(f"/admin/gallery/report/{about_post.pk}/change/").status_code == 200

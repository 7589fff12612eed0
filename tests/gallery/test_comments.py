"""Comments: who may write, edit, remove and report them; replies one level deep; bad input; limits."""

from __future__ import annotations

import pytest
from django.test import Client

from gallery.models import Comment, Notification, Post, Report
from gallery.services import post_set_hidden
from generation.models import BlockedTerm
from tests.gallery.factories import XSS_PAYLOADS, make_post

pytestmark = pytest.mark.django_db

WRITERS = ["hamlet", "othello", "guest", "iago", "banned"]


def write(client, post, body="Lovely colours", **extra):
    return client.post(f"/api/v1/posts/{post.pk}/comments/", {"body": body, **extra}, content_type="application/json")


@pytest.mark.parametrize(
    "who, status", [("hamlet", 201), ("othello", 201), ("guest", 401), ("iago", 201), ("banned", 401)]
)
def test_signed_in_people_comment_guests_and_banned_people_cannot(as_, hamlet, who, status):
    post = make_post(user=hamlet)
    response = write(as_(who), post)
    assert response.status_code == status
    assert Comment.objects.filter(post=post).count() == (1 if status == 201 else 0)
    post.refresh_from_db()
    assert post.comment_count == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    "who, status", [("othello", 200), ("hamlet", 403), ("guest", 401), ("iago", 403), ("banned", 401)]
)
def test_only_the_author_edits_a_comment(as_, hamlet, othello, who, status):
    post = make_post(user=hamlet)
    comment_id = write(as_("othello"), post, "first words").json()["id"]
    response = as_(who).patch(
        f"/api/v1/comments/{comment_id}/", {"body": "second words"}, content_type="application/json"
    )
    assert response.status_code == status
    comment = Comment.objects.get(pk=comment_id)
    assert comment.body == ("second words" if status == 200 else "first words")
    assert (comment.edited_at is not None) is (status == 200)


def test_removing_a_comment_keeps_the_replies_of_others_under_a_tombstone(client_as, hamlet):
    """othello removes his comment: iago's reply stays, under "Comment deleted" (no name, no text);
    othello's own reply in the thread goes with it, and the tombstone goes with the last reply."""
    post = make_post(user=hamlet)
    othello, iago = client_as("othello"), client_as("iago")
    first = write(othello, post, "Othello's first words").json()["id"]
    iagos = write(iago, post, "Iago answers", parent=first).json()["id"]
    write(othello, post, "Othello again", parent=first)
    alone = write(othello, post, "Othello alone").json()["id"]
    write(othello, post, "Othello to himself", parent=alone)
    assert othello.delete(f"/api/v1/comments/{first}/").status_code == 204
    assert othello.delete(f"/api/v1/comments/{alone}/").status_code == 204
    assert list(Comment.objects.values_list("pk", "author__username", "body")) == [
        (first, None, ""),
        (iagos, "iago", "Iago answers"),
    ]
    assert Post.objects.get(pk=post.pk).comment_count == 1
    rows = client_as("guest").get(f"/api/v1/posts/{post.pk}/comments/").json()["results"]
    assert [(r["id"], r["author"], r["body"], r["deleted"]) for r in rows] == [
        (first, None, "", True),
        (iagos, rows[1]["author"], "Iago answers", False),
    ]
    page = client_as("hamlet").get(f"/p/{post.pk}/").content.decode()
    assert "Comment deleted" in page and "Iago answers" in page
    assert "othello" not in page.lower() and "first words" not in page
    assert iago.delete(f"/api/v1/comments/{iagos}/").status_code == 204
    assert not Comment.objects.exists()
    assert Post.objects.get(pk=post.pk).comment_count == 0


def test_a_tombstone_over_banned_peoples_replies_only_is_not_shown(client_as, hamlet):
    """Banned people's comments are hidden; a tombstone whose only replies are theirs would be an
    empty "Comment deleted", so it is hidden with them, and both come back if the ban is lifted."""
    post = make_post(user=hamlet)
    othello = client_as("othello")
    first = write(othello, post, "Othello's first words").json()["id"]
    write(client_as("iago"), post, "Iago answers", parent=first)
    assert othello.delete(f"/api/v1/comments/{first}/").status_code == 204
    iago = Comment.objects.get(body="Iago answers").author

    def shown():
        rows = client_as("guest").get(f"/api/v1/posts/{post.pk}/comments/").json()["results"]
        page = client_as("hamlet").get(f"/p/{post.pk}/").content.decode()
        return [r["deleted"] for r in rows], "Comment deleted" in page

    assert shown() == ([True, False], True)
    iago.is_active = False
    iago.save(update_fields=["is_active"])
    assert shown() == ([], False)
    assert Comment.objects.filter(post=post).count() == 2  # hidden, not lost
    iago.is_active = True
    iago.save(update_fields=["is_active"])
    assert shown() == ([True, False], True)


@pytest.mark.parametrize(
    "who, status", [("othello", 204), ("hamlet", 204), ("guest", 401), ("iago", 204), ("banned", 401), ("cassio", 403)]
)
def test_the_comment_author_the_post_author_and_moderators_remove_a_comment(
    as_, client_as, make_user, hamlet, who, status
):
    post = make_post(user=hamlet)
    comment_id = write(as_("othello"), post).json()["id"]
    write(as_("iago"), post, "a reply", parent=comment_id)
    if who == "cassio":  # someone who is neither author nor moderator
        client = Client()
        client.force_login(make_user("cassio"))
    else:
        client = as_(who)
    response = client.delete(f"/api/v1/comments/{comment_id}/")
    assert response.status_code == status
    removed = status == 204
    # iago's reply stays; the removed comment stays above it as a tombstone, without author or text.
    assert Comment.objects.filter(post=post).count() == 2
    comment = Comment.objects.get(pk=comment_id)
    assert (comment.author_id is None, comment.body == "", comment.is_tombstone) == (removed,) * 3
    post.refresh_from_db()
    assert post.comment_count == (1 if removed else 2)


@pytest.mark.parametrize(
    "who, status", [("othello", 400), ("hamlet", 201), ("guest", 401), ("iago", 201), ("banned", 401)]
)
def test_others_report_a_comment_but_not_its_author(as_, hamlet, who, status):
    post = make_post(user=hamlet)
    comment_id = write(as_("othello"), post).json()["id"]
    response = as_(who).post(
        f"/api/v1/comments/{comment_id}/report/", {"reason": "spam"}, content_type="application/json"
    )
    assert response.status_code == status
    assert Report.objects.filter(comment_id=comment_id).count() == (1 if status == 201 else 0)


def test_a_comment_report_is_once_per_person_and_separate_from_reporting_the_post(client_as, hamlet):
    post = make_post(user=hamlet)
    comment_id = write(client_as("othello"), post).json()["id"]
    iago = client_as("iago")
    url = f"/api/v1/comments/{comment_id}/report/"
    assert iago.post(url, {"reason": "spam"}, content_type="application/json").status_code == 201
    assert iago.post(url, {"reason": "spam"}, content_type="application/json").status_code == 409
    assert (
        iago.post(f"/api/v1/posts/{post.pk}/report/", {"reason": "spam"}, content_type="application/json").status_code
        == 201
    )
    bad = iago.post(url, {"reason": "nonsense"}, content_type="application/json")
    assert bad.status_code == 400 and "reason" in bad.json()


def test_replies_go_one_level_deep_and_list_in_thread_order(client_as, hamlet):
    post = make_post(user=hamlet)
    othello, iago = client_as("othello"), client_as("iago")
    first = write(othello, post, "first").json()["id"]
    second = write(iago, post, "second").json()["id"]
    reply = write(iago, post, "reply to first", parent=first).json()
    deeper = write(othello, post, "reply to the reply", parent=reply["id"]).json()
    assert reply["parent"] == first and deeper["parent"] == first  # joins the thread, no third level
    rows = client_as("guest").get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert [r["body"] for r in rows["results"]] == ["first", "reply to first", "reply to the reply", "second"]
    assert rows["count"] == 4 and rows["results"][-1]["id"] == second
    assert rows["results"][0]["author"]["profile_url"].startswith("http://testserver/u/othello/")


def test_comments_are_paginated(client_as, hamlet):
    post = make_post(user=hamlet)
    Comment.objects.bulk_create([Comment(post=post, author=hamlet, body=f"c{i}") for i in range(30)])
    first = client_as("guest").get(f"/api/v1/posts/{post.pk}/comments/").json()
    assert first["count"] == 30 and len(first["results"]) == 24 and first["next"]
    second = client_as("guest").get(f"/api/v1/posts/{post.pk}/comments/?page=2").json()
    assert len(second["results"]) == 6


@pytest.mark.parametrize(
    "body, field",
    [("", "body"), ("   ", "body"), ("x" * 1001, "body"), (12345, None), (None, "body"), (["a"], "body")],
)
def test_bad_comment_bodies_are_refused_and_nothing_is_stored(client_as, hamlet, body, field):
    post = make_post(user=hamlet)
    response = write(client_as("othello"), post, body)
    if field is None:  # a number is coerced to text by the serializer: it is stored as text
        assert response.status_code == 201 and Comment.objects.get().body == "12345"
        return
    assert response.status_code == 400 and field in response.json()
    assert not Comment.objects.exists()


def test_a_reply_to_someone_elses_posts_comment_or_a_bad_id_is_refused(client_as, hamlet, othello):
    post = make_post(user=hamlet)
    other_post = make_post(user=othello)
    elsewhere = write(client_as("iago"), other_post).json()["id"]
    client = client_as("othello")
    assert write(client, post, parent=elsewhere).status_code == 404
    assert write(client, post, parent=999999).status_code == 404
    assert write(client, post, parent="abc").status_code == 400
    assert not Comment.objects.filter(post=post).exists()


def test_script_in_a_comment_is_shown_as_text_on_the_post_page(client_as, hamlet):
    post = make_post(user=hamlet)
    for payload in XSS_PAYLOADS:
        assert write(client_as("othello"), post, payload).status_code == 201
    html = client_as("guest").get(f"/p/{post.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x onerror" not in html


def test_blocklisted_words_are_refused_in_comments(client_as, hamlet):
    BlockedTerm.objects.create(term="forbiddenword")
    response = write(client_as("othello"), make_post(user=hamlet), "so FORBIDDENWORD here")
    assert response.status_code == 400 and "body" in response.json()


def test_no_comments_on_a_hidden_post(client_as, hamlet, iago):
    post = make_post(user=hamlet)
    post_set_hidden(post=post, hidden=True, by=iago)
    assert write(client_as("othello"), post).status_code == 410
    assert client_as("guest").get(f"/api/v1/posts/{post.pk}/comments/").status_code == 410


def test_comments_are_rate_limited(client_as, hamlet, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "comment_write": "3/min"},
    }
    post = make_post(user=hamlet)
    client = client_as("othello")
    codes = [write(client, post, f"n{i}").status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    assert Comment.objects.count() == 3


def test_comment_and_reply_notify_the_post_author_and_the_replied_to_person(client_as, hamlet, othello, iago):
    post = make_post(user=hamlet)
    first = write(client_as("othello"), post).json()["id"]
    write(client_as("iago"), post, "reply", parent=first)
    kinds = sorted(Notification.objects.values_list("recipient__username", "kind", "actor_count"))
    assert kinds == [("hamlet", "comment", 2), ("othello", "reply", 1)]
    write(client_as("hamlet"), post, "thanks")  # one's own post: no notification to oneself
    assert Notification.objects.filter(recipient=hamlet).get().actor_count == 2
    assert Post.objects.get(pk=post.pk).comment_count == 3


def test_the_post_page_writes_edits_replies_to_and_removes_comments(client_as, hamlet, othello):
    post = make_post(user=hamlet)
    othello_page = client_as("othello")
    created = othello_page.post(f"/p/{post.pk}/comments/", {"body": "from the page"})
    comment = Comment.objects.get()
    assert created.status_code == 302 and created["Location"].endswith(f"#comment-{comment.pk}")
    assert "from the page" in client_as("guest").get(f"/p/{post.pk}/").content.decode()
    client_as("iago").post(f"/p/{post.pk}/comments/", {"body": "a reply", "parent": str(comment.pk)})
    assert Comment.objects.get(body="a reply").parent_id == comment.pk
    assert othello_page.get(f"/c/{comment.pk}/edit/").status_code == 200
    assert othello_page.post(f"/c/{comment.pk}/edit/", {"body": "edited"}).status_code == 302
    assert "(edited)" in client_as("guest").get(f"/p/{post.pk}/").content.decode()
    assert client_as("iago").get(f"/c/{comment.pk}/edit/").status_code == 403
    assert client_as("iago").post(f"/c/{comment.pk}/report/", {"reason": "spam"}).status_code == 302
    assert Report.objects.filter(comment=comment).exists()
    assert client_as("hamlet").post(f"/c/{comment.pk}/delete/").status_code == 302  # the post's author
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["", "a reply"]  # iago's reply stays
    assert not Report.objects.filter(comment=comment).exists()
    page = client_as("guest").get(f"/p/{post.pk}/").content.decode()
    assert "Comment deleted" in page and "a reply" in page and "edited" not in page
    assert othello_page.get(f"/c/{comment.pk}/edit/").status_code == 404


def test_a_refused_comment_on_the_page_keeps_what_was_typed(client_as, hamlet):
    post = make_post(user=hamlet)
    response = client_as("othello").post(f"/p/{post.pk}/comments/", {"body": "y" * 1001})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep a comment to 1000 characters." in html and "y" * 1001 in html
    empty = client_as("othello").post(f"/p/{post.pk}/comments/", {"body": "  "})
    assert empty.status_code == 400 and "Write something first." in empty.content.decode()
    assert not Comment.objects.exists()


def test_guests_and_strangers_on_the_comment_pages(client_as, hamlet):
    post = make_post(user=hamlet)
    comment_id = write(client_as("othello"), post).json()["id"]
    guest = client_as("guest")
    assert guest.post(f"/p/{post.pk}/comments/", {"body": "hi"}).status_code == 302  # to the login page
    assert guest.post(f"/c/{comment_id}/delete/").status_code == 302
    assert client_as("iago").post(f"/c/{comment_id}/edit/", {"body": "taken over"}).status_code == 403
    assert Comment.objects.get().body == "Lovely colours"
    assert guest.get("/c/999999/edit/").status_code == 404


def test_moderators_remove_reported_comments_from_the_admin_queue(client_as, hamlet):
    post = make_post(user=hamlet)
    comment_id = write(client_as("othello"), post, "rude words").json()["id"]
    client_as("iago").post(
        f"/api/v1/comments/{comment_id}/report/", {"reason": "hateful"}, content_type="application/json"
    )
    report = Report.objects.get(comment_id=comment_id)
    moderator = client_as("iago")
    assert "rude words" in moderator.get("/admin/gallery/report/").content.decode()
    moderator.post(
        "/admin/gallery/report/", {"action": "remove_comments", "_selected_action": [str(report.pk)]}, follow=True
    )
    assert not Comment.objects.exists()
    assert Post.objects.get(pk=post.pk).comment_count == 0

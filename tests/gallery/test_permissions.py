"""Who may do what: creator (hamlet), another user (othello), guest, moderator (iago) × every action."""

from __future__ import annotations

import pytest

from gallery.models import Like, Post, Report
from gallery.services import post_set_hidden
from generation.models import GenerationImage
from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db

PEOPLE = ["hamlet", "othello", "guest", "iago"]


@pytest.mark.parametrize(
    "who, status, published",
    [("hamlet", 201, True), ("othello", 400, False), ("guest", 401, False), ("iago", 400, False)],
)
def test_only_the_creator_can_publish_their_image(client_as, hamlet, who, status, published):
    image = make_image(user=hamlet)
    response = client_as(who).post(
        "/api/v1/posts/", {"image": str(image.public_id), "title": "Dusk"}, content_type="application/json"
    )
    assert response.status_code == status
    assert Post.objects.filter(image=image).exists() is published


@pytest.mark.parametrize("who, status", [("hamlet", 204), ("othello", 403), ("guest", 401), ("iago", 204)])
def test_unpublish_is_for_the_author_and_moderators(client_as, hamlet, who, status):
    post = make_post(user=hamlet)
    response = client_as(who).delete(f"/api/v1/posts/{post.pk}/")
    assert response.status_code == status
    assert Post.objects.filter(pk=post.pk).exists() is (status != 204)
    assert GenerationImage.objects.filter(pk=post.image_id).exists()  # unpublish keeps the picture


@pytest.mark.parametrize("who, status", [("hamlet", 302), ("othello", 403), ("guest", 403), ("iago", 403)])
def test_only_the_author_can_delete_the_picture(client_as, hamlet, who, status):
    post = make_post(user=hamlet)
    response = client_as(who).post(f"/p/{post.pk}/delete/")
    assert response.status_code == status
    deleted = status == 302
    assert Post.objects.filter(pk=post.pk).exists() is not deleted
    assert GenerationImage.objects.filter(pk=post.image_id).exists() is not deleted


@pytest.mark.parametrize("who, status", [("hamlet", 200), ("othello", 200), ("guest", 401), ("iago", 200)])
def test_signed_in_people_can_like_guests_cannot(client_as, hamlet, who, status):
    post = make_post(user=hamlet)
    response = client_as(who).post(f"/api/v1/posts/{post.pk}/like/")
    assert response.status_code == status
    assert Like.objects.filter(post=post).count() == (1 if status == 200 else 0)


@pytest.mark.parametrize("who, status", [("hamlet", 400), ("othello", 201), ("guest", 401), ("iago", 201)])
def test_others_can_report_a_post_but_not_the_author_or_guests(client_as, hamlet, who, status):
    post = make_post(user=hamlet)
    response = client_as(who).post(
        f"/api/v1/posts/{post.pk}/report/", {"reason": "spam"}, content_type="application/json"
    )
    assert response.status_code == status
    assert Report.objects.filter(post=post).count() == (1 if status == 201 else 0)


@pytest.mark.parametrize("who, status", [("hamlet", 200), ("othello", 404), ("guest", 404), ("iago", 404)])
def test_a_private_image_file_is_served_to_its_owner_only(client_as, hamlet, who, status):
    image = make_image(user=hamlet)
    assert client_as(who).get(image.get_file_url()).status_code == status
    assert client_as(who).get(image.get_thumb_url()).status_code == status


@pytest.mark.parametrize("who", PEOPLE)
def test_a_published_image_file_is_public(client_as, hamlet, who):
    post = make_post(user=hamlet)
    response = client_as(who).get(post.image.get_file_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("who, status", [("hamlet", 404), ("othello", 404), ("guest", 404), ("iago", 404)])
def test_a_hidden_posts_image_is_private_again(client_as, hamlet, iago, who, status):
    post = make_post(user=hamlet)
    post_set_hidden(post=post, hidden=True, by=iago)
    expected = 200 if who == "hamlet" else status
    assert client_as(who).get(post.image.get_file_url()).status_code == expected


@pytest.mark.parametrize("who", PEOPLE)
def test_everyone_sees_a_visible_share_page(client_as, hamlet, who):
    post = make_post(user=hamlet)
    assert client_as(who).get(post.get_share_path()).status_code == 200
    assert client_as(who).get(post.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("who, status", [("hamlet", 410), ("othello", 410), ("guest", 410), ("iago", 200)])
def test_a_hidden_post_answers_410_except_to_moderators(client_as, hamlet, iago, who, status):
    post = make_post(user=hamlet)
    post_set_hidden(post=post, hidden=True, by=iago)
    assert client_as(who).get(post.get_share_path()).status_code == status
    assert client_as(who).get(post.get_absolute_url()).status_code == status
    assert client_as(who).get(f"/api/v1/posts/{post.pk}/").status_code == status


@pytest.mark.parametrize("who, status", [("hamlet", 403), ("othello", 403), ("guest", 403), ("iago", 302)])
def test_only_moderators_can_hide_from_the_post_page(client_as, hamlet, who, status):
    post = make_post(user=hamlet)
    response = client_as(who).post(f"/p/{post.pk}/moderate/", {"action": "hide"})
    assert response.status_code == status
    post.refresh_from_db()
    assert post.is_hidden is (status == 302)


ADMIN_PAGES = [
    "/admin/",
    "/admin/gallery/post/",
    "/admin/gallery/report/",
    "/admin/gallery/like/",
    "/admin/accounts/profile/",
    "/admin/generation/generation/",
    "/admin/generation/generationimage/",
    "/admin/generation/generatormodel/",
    "/admin/generation/blockedterm/",
    "/admin/socialaccount/socialapp/",  # social login providers are configured here
    "/admin/authtoken/tokenproxy/",
]


@pytest.mark.parametrize("who, status", [("hamlet", 302), ("othello", 302), ("guest", 302), ("iago", 200)])
def test_admin_pages_are_for_staff_only(client_as, hamlet, who, status):
    make_post(user=hamlet)
    c = client_as(who)
    for url in ADMIN_PAGES:
        response = c.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("who, status", [("hamlet", 302), ("othello", 302), ("guest", 302), ("iago", 200)])
def test_admin_thumbnails_are_for_staff_only(client_as, hamlet, who, status):
    image = make_image(user=hamlet)
    response = client_as(who).get(f"/admin/generation/generationimage/{image.pk}/thumb.webp")
    assert response.status_code == status


@pytest.mark.parametrize("who, hidden", [("hamlet", False), ("othello", False), ("iago", True)])
def test_only_moderators_can_run_the_hide_action_in_the_admin(client_as, hamlet, othello, who, hidden):
    othello.is_staff = True  # staff without moderation rights
    othello.save()
    post = make_post(user=hamlet)
    client_as(who).post("/admin/gallery/post/", {"action": "hide", "_selected_action": [post.pk]})
    post.refresh_from_db()
    assert post.is_hidden is hidden

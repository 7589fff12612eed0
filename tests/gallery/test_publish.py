"""Publishing one generated image: the post, its page, and every bad input."""

from __future__ import annotations

import pytest

from gallery.models import TITLE_MAX_LENGTH, Post
from generation.models import BlockedTerm, Generation
from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db


def publish(client, image, title="", **extra):
    body = {"image": str(image.public_id) if hasattr(image, "public_id") else image, "title": title, **extra}
    return client.post("/api/v1/posts/", body, content_type="application/json")


def test_publish_returns_the_post_with_an_absolute_share_url(client_as, hamlet):
    image = make_image(user=hamlet, prompt="a lighthouse in fog", style="watercolor")
    response = publish(client_as("hamlet"), image, "  Foggy   light ")
    assert response.status_code == 201
    body = response.json()
    post = Post.objects.get(image=image)
    assert body["id"] == post.pk
    assert body["title"] == "Foggy light"  # whitespace collapsed
    assert body["share_url"] == f"http://testserver/s/{post.share_code}/"
    assert body["prompt"] == "a lighthouse in fog"
    assert body["model"] == "test-landscape" and body["category"] == "landscape"
    assert (body["width"], body["height"], body["seed"], body["style"]) == (64, 48, image.seed, "watercolor")
    assert body["settings"]["negative_prompt"] == "blurry" and body["settings"]["sampler"] == "galip"
    assert body["author"]["username"] == "hamlet"
    assert body["like_count"] == 0 and body["liked"] is False


def test_the_post_page_shows_prompt_model_category_size_seed_style_settings_and_author(client, hamlet):
    post = make_post(user=hamlet, title="Foggy light", prompt="a lighthouse in fog", style="watercolor")
    html = client.get(post.get_absolute_url()).content.decode()
    for text in [
        "Foggy light",
        "a lighthouse in fog",
        "test-landscape",
        "landscape",
        "64×48",
        str(post.image.seed),
        "watercolor",
        "Negative prompt",  # settings under their human labels
        "blurry",
        "Truncation",
        "0.8",
        "sampler",
        "galip",
        "hamlet",
    ]:
        assert text in html, text
    assert "<dt>negative_prompt</dt>" not in html and "<dt>truncation</dt>" not in html


def test_an_empty_or_blank_title_is_allowed_and_the_prompt_stands_in(client_as, client, hamlet):
    for title in ["", "   "]:
        image = make_image(user=hamlet, prompt="noodles with shrimp")
        response = publish(client_as("hamlet"), image, title)
        assert response.status_code == 201
        post = Post.objects.get(image=image)
        assert post.title == ""
        assert '<h1 class="post-title">noodles with shrimp</h1>' in client.get(post.get_absolute_url()).content.decode()


def test_a_missing_title_is_allowed(client_as, hamlet):
    image = make_image(user=hamlet)
    response = client_as("hamlet").post(
        "/api/v1/posts/", {"image": str(image.public_id)}, content_type="application/json"
    )
    assert response.status_code == 201


def test_a_too_long_title_is_refused_with_a_field_error(client_as, hamlet):
    image = make_image(user=hamlet)
    response = publish(client_as("hamlet"), image, "x" * (TITLE_MAX_LENGTH + 1))
    assert response.status_code == 400
    assert "title" in response.json()
    assert not Post.objects.exists()
    assert publish(client_as("hamlet"), image, "x" * TITLE_MAX_LENGTH).status_code == 201


@pytest.mark.parametrize("title", [["a", "list"], {"an": "object"}, True])
def test_a_title_of_the_wrong_type_is_refused(client_as, hamlet, title):
    image = make_image(user=hamlet)
    response = publish(client_as("hamlet"), image, title)
    assert response.status_code == 400
    assert "title" in response.json()
    assert not Post.objects.exists()


@pytest.mark.parametrize("image_id", ["not-a-uuid", 12, None, "", ["x"]])
def test_a_malformed_image_id_is_refused(client_as, hamlet, image_id):
    response = client_as("hamlet").post("/api/v1/posts/", {"image": image_id}, content_type="application/json")
    assert response.status_code == 400
    assert "image" in response.json()


def test_a_body_that_is_not_an_object_is_refused(client_as, hamlet):
    response = client_as("hamlet").post("/api/v1/posts/", ["x"], content_type="application/json")
    assert response.status_code == 400
    response = client_as("hamlet").post("/api/v1/posts/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_someone_elses_image_looks_the_same_as_a_missing_one(client_as, hamlet):
    theirs = make_image(user=hamlet)
    missing = "00000000-0000-4000-8000-000000000000"
    a = publish(client_as("othello"), theirs)
    b = publish(client_as("othello"), missing)
    assert a.status_code == b.status_code == 400
    assert a.json() == b.json()
    assert not Post.objects.exists()


def test_a_guests_own_image_cannot_be_published_without_an_account(client, hamlet):
    image = make_image(guest_key="k" * 32)
    assert publish(client, image).status_code == 401
    assert not Post.objects.exists()


def test_publishing_twice_answers_409_and_keeps_one_post(client_as, hamlet):
    image = make_image(user=hamlet)
    c = client_as("hamlet")
    assert publish(c, image, "one").status_code == 201
    second = publish(c, image, "two")
    assert second.status_code == 409
    assert Post.objects.filter(image=image).count() == 1
    assert Post.objects.get(image=image).title == "one"


def test_a_prompt_with_a_blocked_term_cannot_be_published(client_as, hamlet):
    image = make_image(user=hamlet, prompt="a forbiddenword at sunset")
    BlockedTerm.objects.create(term="ForbiddenWord")
    response = publish(client_as("hamlet"), image)
    assert response.status_code == 400
    assert "forbiddenword" in str(response.json()).casefold()
    assert not Post.objects.exists()


def test_a_title_with_a_blocked_term_is_refused_on_the_title_field(client_as, hamlet):
    BlockedTerm.objects.create(term="badword")
    response = publish(client_as("hamlet"), make_image(user=hamlet), "so BADWORD")
    assert response.status_code == 400
    assert "title" in response.json()


def test_share_codes_are_unique_and_stable(hamlet):
    posts = [make_post(user=hamlet) for _ in range(5)]
    codes = {p.share_code for p in posts}
    assert len(codes) == 5
    for post in posts:
        before = post.share_code
        post.title = "renamed"
        post.save()
        post.refresh_from_db()
        assert post.share_code == before


# --- the publish pages (no JS) --------------------------------------------------------------


def test_the_publish_page_publishes_and_redirects_to_the_post(client_as, hamlet):
    image = make_image(user=hamlet)
    c = client_as("hamlet")
    assert c.get(f"/publish/{image.public_id}/").status_code == 200
    response = c.post(f"/publish/{image.public_id}/", {"title": "Mine"})
    post = Post.objects.get(image=image)
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    # Publishing again from the page just leads to the existing post.
    again = c.post(f"/publish/{image.public_id}/", {"title": "Again"})
    assert again.status_code == 302 and again["Location"] == post.get_absolute_url()
    assert Post.objects.filter(image=image).count() == 1


def test_the_publish_page_shows_a_too_long_title_error_and_keeps_the_input(client_as, hamlet):
    image = make_image(user=hamlet)
    response = client_as("hamlet").post(f"/publish/{image.public_id}/", {"title": "y" * 200})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field-error"' in html
    assert not Post.objects.exists()


@pytest.mark.parametrize("who, status", [("othello", 404), ("iago", 404)])
def test_the_publish_page_of_someone_elses_image_is_404(client_as, hamlet, who, status):
    image = make_image(user=hamlet)
    assert client_as(who).get(f"/publish/{image.public_id}/").status_code == status
    assert client_as(who).post(f"/publish/{image.public_id}/", {"title": "x"}).status_code == status
    assert not Post.objects.exists()


def test_the_publish_page_sends_guests_to_log_in(client, hamlet):
    image = make_image(user=hamlet)
    response = client.get(f"/publish/{image.public_id}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_picker_lists_only_my_unpublished_images(client_as, hamlet, othello):
    mine = make_image(user=hamlet, prompt="mine unpublished")
    published = make_post(user=hamlet, prompt="mine published")
    theirs = make_image(user=othello, prompt="theirs")
    html = client_as("hamlet").get("/publish/").content.decode()
    assert str(mine.public_id) in html
    assert str(published.image.public_id) not in html
    assert str(theirs.public_id) not in html


def test_the_publish_action_snippet_links_to_publish_or_to_the_post(hamlet):
    from django.template.loader import render_to_string

    image = make_image(user=hamlet)
    assert f"/publish/{image.public_id}/" in render_to_string("gallery/_publish_action.html", {"image": image})
    post = make_post(user=hamlet)
    assert post.get_absolute_url() in render_to_string("gallery/_publish_action.html", {"image": post.image})


# --- unpublish and delete ------------------------------------------------------------------


def test_unpublishing_makes_the_image_private_and_the_share_link_dead(client_as, hamlet):
    post = make_post(user=hamlet)
    share, file_url = post.get_share_path(), post.image.get_file_url()
    assert client_as("othello").get(file_url).status_code == 200
    assert client_as("hamlet").post(f"/p/{post.pk}/unpublish/").status_code == 302
    assert client_as("othello").get(share).status_code == 404
    assert client_as("othello").get(share + "preview.png").status_code == 404
    assert client_as("othello").get(share + "qr.png").status_code == 404
    assert client_as("othello").get(file_url).status_code == 404
    assert client_as("hamlet").get(file_url).status_code == 200


def test_deleting_removes_the_post_the_image_row_and_its_files(client_as, hamlet, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    from generation.creative.services import poem_card_ensure

    post = make_post(user=hamlet, options={"poem": "the sea at night\nholds the moon"})
    names = [post.image.file.name, post.image.thumbnail.name, poem_card_ensure(image=post.image)]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_as("hamlet").post(f"/p/{post.pk}/delete/").status_code == 302
    assert not Post.objects.exists()
    assert not any(default_storage.exists(n) for n in names)
    assert Generation.objects.filter(pk=post.image.generation_id).exists()


def test_unpublish_and_delete_only_accept_post(client_as, hamlet):
    post = make_post(user=hamlet)
    assert client_as("hamlet").get(f"/p/{post.pk}/unpublish/").status_code == 405
    assert client_as("hamlet").get(f"/p/{post.pk}/delete/").status_code == 405
    assert Post.objects.filter(pk=post.pk).exists()


def test_the_post_page_shows_owner_controls_to_the_owner_only(client_as, hamlet):
    post = make_post(user=hamlet)
    assert f"/p/{post.pk}/unpublish/" in client_as("hamlet").get(post.get_absolute_url()).content.decode()
    other = client_as("othello").get(post.get_absolute_url()).content.decode()
    assert f"/p/{post.pk}/unpublish/" not in other
    assert f"/p/{post.pk}/report/" in other


def test_unknown_posts_are_404(client):
    assert client.get("/p/999999/").status_code == 404
    assert client.get("/s/nope/").status_code == 404
    assert client.get("/api/v1/posts/999999/").status_code == 404

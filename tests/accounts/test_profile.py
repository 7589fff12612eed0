"""Profile and settings pages: display name, bio, published works, likes received, API tokens."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, Profile
from gallery.services import post_like_toggle
from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db


def save_profile(client, **data):
    return client.post("/settings/", {"action": "profile", **data})


def test_every_new_user_has_a_profile(make_user):
    assert Profile.objects.filter(user=make_user("rodrigo")).exists()


def test_the_profile_page_shows_name_bio_works_and_likes_received(client, hamlet, othello, iago):
    Profile.objects.filter(user=hamlet).update(display_name="Prince H", bio="I paint\nclouds")
    a, b = make_post(user=hamlet, title="First"), make_post(user=hamlet, title="Second")
    make_image(user=hamlet, prompt="still private")
    post_like_toggle(post=a, user=othello)
    post_like_toggle(post=a, user=iago)
    post_like_toggle(post=b, user=othello)
    html = client.get("/u/hamlet/").content.decode()
    assert "Prince H" in html and "I paint<br>clouds" in html
    assert "<strong>2</strong> published" in html
    assert "<strong>3</strong> likes received" in html
    assert "First" in html and "Second" in html and "still private" not in html


def test_unknown_and_banned_users_have_no_profile(client, hamlet):
    assert client.get("/u/nobody/").status_code == 404
    hamlet.is_active = False
    hamlet.save()
    assert client.get("/u/hamlet/").status_code == 404


def test_settings_needs_a_login(client, db):
    response = client.get("/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert save_profile(client, display_name="x").status_code == 302


def test_display_name_and_bio_are_saved_trimmed(client_as, hamlet):
    response = save_profile(client_as("hamlet"), display_name="  Prince   Hamlet ", bio="  To be.  ")
    assert response.status_code == 302
    profile = Profile.objects.get(user=hamlet)
    assert (profile.display_name, profile.bio) == ("Prince Hamlet", "To be.")
    assert "Prince Hamlet" in client_as("othello").get("/u/hamlet/").content.decode()


def test_empty_display_name_and_bio_clear_them(client_as, hamlet):
    Profile.objects.filter(user=hamlet).update(display_name="Old", bio="Old bio")
    assert save_profile(client_as("hamlet"), display_name="", bio="").status_code == 302
    profile = Profile.objects.get(user=hamlet)
    assert (profile.display_name, profile.bio) == ("", "")
    assert profile.name == "hamlet"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"display_name": "n" * (DISPLAY_NAME_MAX_LENGTH + 1), "bio": ""}, "display_name"),
        ({"display_name": "", "bio": "b" * (BIO_MAX_LENGTH + 1)}, "bio"),
    ],
)
def test_too_long_display_name_or_bio_is_refused_and_nothing_changes(client_as, hamlet, data, field):
    Profile.objects.filter(user=hamlet).update(display_name="Kept", bio="Kept bio")
    response = save_profile(client_as("hamlet"), **data)
    assert response.status_code == 400
    assert f'data-error-for="{field}"' in response.content.decode()
    profile = Profile.objects.get(user=hamlet)
    assert (profile.display_name, profile.bio) == ("Kept", "Kept bio")


def test_an_unknown_settings_action_is_400(client_as, hamlet):
    assert client_as("hamlet").post("/settings/", {"action": "make-me-admin"}).status_code == 400
    hamlet.refresh_from_db()
    assert not hamlet.is_staff


def test_settings_post_needs_csrf(hamlet):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(hamlet)
    assert save_profile(c, display_name="x", bio="").status_code == 403


# --- API tokens ---------------------------------------------------------------------------


def test_a_token_is_shown_after_creation_and_regeneration_revokes_the_old_one(client_as, client_factory, hamlet):
    from django.test import Client

    c = client_as("hamlet")
    assert "You have no API token yet" in c.get("/settings/").content.decode()
    c.post("/settings/", {"action": "token"})
    first = Token.objects.get(user=hamlet).key
    page = c.get("/settings/")
    assert first in page.content.decode()
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]

    post = make_post(user=hamlet)
    api = Client()
    assert api.post(f"/api/v1/posts/{post.pk}/like/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 200

    c.post("/settings/", {"action": "token"})
    second = Token.objects.get(user=hamlet).key
    assert second != first
    assert api.post(f"/api/v1/posts/{post.pk}/like/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 401
    assert api.post(f"/api/v1/posts/{post.pk}/like/", HTTP_AUTHORIZATION=f"Token {second}").status_code == 200


def test_others_never_see_my_token(client_as, hamlet):
    client_as("hamlet").post("/settings/", {"action": "token"})
    key = Token.objects.get(user=hamlet).key
    assert key not in client_as("othello").get("/settings/").content.decode()
    assert key not in client_as("othello").get("/u/hamlet/").content.decode()

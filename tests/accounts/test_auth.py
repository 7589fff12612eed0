"""Sign-up and log-in (username or email), email verification, password reset, and guest adoption."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from generation.models import Generation
from generation.owners import GUEST_SESSION_KEY
from generation.services import generations_adopt_guest
from tests.conftest import PASSWORD
from tests.gallery.factories import make_generation

pytestmark = pytest.mark.django_db

GUEST = "a" * 32


def guest_client(key: str = GUEST) -> Client:
    c = Client()
    session = c.session
    session[GUEST_SESSION_KEY] = key
    session.save()
    return c


def sign_up(c: Client, username: str = "rosalind", email: str = "rosalind@example.com"):
    return c.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def test_sign_up_sends_a_verification_email_and_logs_in(db):
    c = Client()
    response = sign_up(c)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "rosalind@example.com" in mail.outbox[0].to
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert c.get("/settings/").status_code == 200


@pytest.mark.parametrize("login", ["hamlet", "hamlet@example.com"])
def test_log_in_with_username_or_email(hamlet, login):
    c = Client()
    response = c.post("/accounts/login/", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert c.get("/settings/").status_code == 200


def test_a_wrong_password_does_not_log_in(hamlet):
    c = Client()
    response = c.post("/accounts/login/", {"login": "hamlet", "password": "nope"})
    assert response.status_code == 200
    assert c.get("/settings/").status_code == 302


def test_a_banned_user_cannot_log_in(hamlet):
    hamlet.is_active = False
    hamlet.save()
    c = Client()
    c.post("/accounts/login/", {"login": "hamlet", "password": PASSWORD})
    assert c.get("/settings/").status_code == 302


def test_password_reset_sends_a_mail(hamlet):
    response = Client().post("/accounts/password/reset/", {"email": "hamlet@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/key/" in mail.outbox[0].body


def test_account_pages_use_the_site_layout(db):
    for url in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        html = Client().get(url).content.decode()
        assert 'href="/gallery/"' in html and "/static/css/site.css" in html, url
        assert '<meta name="ip-page" content="account">' in html


# --- a guest's jobs move to the account ---------------------------------------------------


def test_signing_up_adopts_the_guests_generations(db):
    mine = make_generation(guest_key=GUEST)
    someone_elses = make_generation(guest_key="b" * 32)
    c = guest_client()
    assert sign_up(c).status_code == 302
    mine.refresh_from_db()
    someone_elses.refresh_from_db()
    assert mine.user.username == "rosalind" and mine.guest_key == ""
    assert someone_elses.user is None and someone_elses.guest_key == "b" * 32
    assert GUEST_SESSION_KEY not in c.session
    # The history page lists it under the account now.
    assert mine.prompt in c.get("/generations/").content.decode()


def test_logging_in_adopts_the_guests_generations(hamlet, othello):
    mine = make_generation(guest_key=GUEST)
    already_owned = make_generation(user=othello)
    c = guest_client()
    assert c.post("/accounts/login/", {"login": "hamlet", "password": PASSWORD}).status_code == 302
    mine.refresh_from_db()
    already_owned.refresh_from_db()
    assert mine.user == hamlet
    assert already_owned.user == othello


def test_a_login_without_a_guest_key_moves_nothing(hamlet):
    stray = make_generation(guest_key=GUEST)
    c = Client()
    c.post("/accounts/login/", {"login": "hamlet", "password": PASSWORD})
    stray.refresh_from_db()
    assert stray.user is None


def test_the_adopt_service_needs_a_key_and_a_user(hamlet):
    make_generation(guest_key=GUEST)
    assert generations_adopt_guest(user=hamlet, guest_key="") == 0
    assert generations_adopt_guest(user=None, guest_key=GUEST) == 0
    assert generations_adopt_guest(user=hamlet, guest_key=GUEST) == 1
    assert generations_adopt_guest(user=hamlet, guest_key=GUEST) == 0
    assert Generation.objects.get().user == hamlet

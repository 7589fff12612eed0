"""Rate limits (per user and per IP, 429 + Retry-After) and the OpenAPI description."""

from __future__ import annotations

import pytest

from tests.gallery.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    def set_rates(**values):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), **values},
        }

    return set_rates


def test_likes_are_limited_per_user_with_retry_after(client_as, hamlet, rates):
    rates(gallery_write="3/min")
    post = make_post(user=hamlet)
    c = client_as("othello")
    codes = [c.post(f"/api/v1/posts/{post.pk}/like/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = c.post(f"/api/v1/posts/{post.pk}/like/")
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    # Another user from the same address is not limited by othello's count.
    assert client_as("iago").post(f"/api/v1/posts/{post.pk}/like/").status_code == 200


def test_the_same_ip_is_limited_across_users(client_as, hamlet, rates):
    rates(gallery_write="100/min", gallery_write_ip="2/min")
    post = make_post(user=hamlet)
    assert client_as("othello").post(f"/api/v1/posts/{post.pk}/like/").status_code == 200
    assert client_as("iago").post(f"/api/v1/posts/{post.pk}/like/").status_code == 200
    assert client_as("hamlet").post(f"/api/v1/posts/{post.pk}/like/").status_code == 429
    other_ip = client_as("hamlet").post(f"/api/v1/posts/{post.pk}/like/", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


def test_anonymous_reads_are_limited_per_ip_and_forwarded_for_is_not_trusted(client, hamlet, rates):
    rates(gallery_read="2/min")
    make_post(user=hamlet)
    assert client.get("/api/v1/posts/").status_code == 200
    assert client.get("/api/v1/posts/", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code == 200
    spoofed = client.get("/api/v1/posts/", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert spoofed.status_code == 429 and spoofed["Retry-After"]
    assert client.get("/api/v1/users/hamlet/").status_code == 429


def test_reports_have_their_own_tighter_limit(client_as, hamlet, rates):
    rates(gallery_report="1/hour")
    a, b = make_post(user=hamlet), make_post(user=hamlet)
    c = client_as("othello")
    assert (
        c.post(f"/api/v1/posts/{a.pk}/report/", {"reason": "spam"}, content_type="application/json").status_code == 201
    )
    limited = c.post(f"/api/v1/posts/{b.pk}/report/", {"reason": "spam"}, content_type="application/json")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 60


def test_page_forms_share_the_limits(client_as, hamlet, rates):
    rates(gallery_write="1/min")
    post = make_post(user=hamlet)
    c = client_as("othello")
    assert c.post(f"/p/{post.pk}/like/").status_code == 302
    limited = c.post(f"/p/{post.pk}/like/")
    assert limited.status_code == 429 and limited["Retry-After"]


def test_the_openapi_schema_describes_the_gallery_and_user_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/posts/": {"get", "post"},
        "/api/v1/posts/{id}/": {"get", "delete"},
        "/api/v1/posts/{id}/like/": {"post"},
        "/api/v1/posts/{id}/report/": {"post"},
        "/api/v1/users/{username}/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    params = {p["name"] for p in paths["/api/v1/posts/"]["get"]["parameters"]}
    assert {"ordering", "category", "style", "q", "page"} <= params
    assert "share_url" in schema["components"]["schemas"]["PostOutput"]["properties"]
    assert client.get("/api/docs/").status_code == 200


def test_the_user_endpoint(client, hamlet, othello):
    post = make_post(user=hamlet)
    from gallery.services import post_like_toggle

    post_like_toggle(post=post, user=othello)
    body = client.get("/api/v1/users/hamlet/").json()
    assert body["username"] == "hamlet"
    assert (body["post_count"], body["likes_received"]) == (1, 1)
    assert body["profile_url"] == "http://testserver/u/hamlet/"
    assert body["avatar_url"] is None
    assert client.get("/api/v1/users/nobody/").status_code == 404

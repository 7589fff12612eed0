"""Publishing an interpolation as an animated post: the post plays its job's animated WebP."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from gallery.models import Post
from gallery.services import post_set_hidden
from generation.studio_worker import interpolation_files
from tests.gallery.factories import make_generation, make_image

pytestmark = pytest.mark.django_db


def interpolation_frame(user):
    """The first of four frames of a finished interpolation with its real animated WebP."""
    generation = make_generation(user=user, prompt="a red moon turning green", options={"frames": 4})
    frames = [make_image(user=user, generation=generation) for _ in range(4)]
    _, webp = interpolation_files([Image.new("RGB", (64, 48), (60 * i, 200 - 40 * i, 90)) for i in range(4)])
    generation.animation.name = default_storage.save(
        f"generations/{generation.public_id.hex}/a.webp", ContentFile(webp)
    )
    generation.save(update_fields=["animation"])
    return frames[0]


def publish(client, image, **extra):
    body = {"image": str(image.public_id), **extra}
    return client.post("/api/v1/posts/", body, content_type="application/json")


def played(response) -> Image.Image:
    picture = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert picture.format == "WEBP" and picture.is_animated
    return picture


def test_an_interpolation_is_published_animated_and_everyone_sees_it_play(client_as, hamlet):
    frame = interpolation_frame(hamlet)
    response = publish(client_as("hamlet"), frame, animated=True)
    assert response.status_code == 201, response.content
    body = response.json()
    post = Post.objects.get(pk=body["id"])
    assert post.animated and body["animated"] is True
    assert body["animation_url"] == f"http://testserver/p/{post.pk}/animation.webp"
    guest = client_as("guest")
    animation = guest.get(f"/p/{post.pk}/animation.webp")
    assert animation.status_code == 200 and animation["Content-Type"] == "image/webp"
    assert played(animation).n_frames == 2 * 4 - 2  # there and back
    page = guest.get(f"/p/{post.pk}/").content.decode()
    assert f"/p/{post.pk}/animation.webp" in page and "data-animation" in page
    assert "▶" in guest.get("/gallery/").content.decode()  # the card marks it


def test_a_still_post_has_no_animation(client_as, hamlet):
    frame = interpolation_frame(hamlet)
    body = publish(client_as("hamlet"), frame).json()
    assert body["animated"] is False and body["animation_url"] is None
    assert client_as("guest").get(f"/p/{body['id']}/animation.webp").status_code == 404
    assert "animation.webp" not in client_as("guest").get(f"/p/{body['id']}/").content.decode()


@pytest.mark.parametrize("value, field_error", [(True, "only an interpolation"), ("maybe", "valid boolean")])
def test_animated_is_refused_for_a_picture_without_animation_or_a_wrong_value(client_as, hamlet, value, field_error):
    still = make_image(user=hamlet)
    response = publish(client_as("hamlet"), still, animated=value)
    assert response.status_code == 400
    assert field_error in str(response.json()["animated"])
    assert not Post.objects.exists()


def test_someone_elses_interpolation_cannot_be_published(client_as, hamlet):
    frame = interpolation_frame(hamlet)
    assert publish(client_as("othello"), frame, animated=True).status_code == 400
    assert not Post.objects.exists()


def test_a_hidden_animated_post_plays_only_for_its_author_and_moderators(client_as, hamlet, iago):
    frame = interpolation_frame(hamlet)
    post_id = publish(client_as("hamlet"), frame, animated=True).json()["id"]
    post_set_hidden(post=Post.objects.get(pk=post_id), hidden=True, by=iago, reason="checking")
    url = f"/p/{post_id}/animation.webp"
    assert client_as("guest").get(url).status_code == 404
    assert client_as("othello").get(url).status_code == 404
    assert client_as("hamlet").get(url).status_code == 200
    assert client_as("iago").get(url).status_code == 200


def test_the_publish_page_offers_the_animation_for_an_interpolation_only(client_as, hamlet):
    hamlet_client = client_as("hamlet")
    frame = interpolation_frame(hamlet)
    page = hamlet_client.get(f"/publish/{frame.public_id}/").content.decode()
    assert 'name="animated"' in page and "checked" in page
    response = hamlet_client.post(f"/publish/{frame.public_id}/", {"title": "Moon", "animated": "on"})
    assert response.status_code == 302
    assert Post.objects.get(image=frame).animated
    other = interpolation_frame(hamlet)
    hamlet_client.post(f"/publish/{other.public_id}/", {"title": "Moon, still"})  # box unticked
    assert not Post.objects.get(image=other).animated
    still = make_image(user=hamlet)
    assert 'name="animated"' not in hamlet_client.get(f"/publish/{still.public_id}/").content.decode()
    hamlet_client.post(f"/publish/{still.public_id}/", {"title": "Still", "animated": "on"})  # forged: ignored
    assert not Post.objects.get(image=still).animated


def test_the_safety_check_of_an_animated_post_reads_every_frame(client_as, hamlet, settings):
    """A harmless first frame must not carry a flagged later one into the gallery (the real
    classifier scores a skin-toned square above a blue one; the threshold sits between)."""
    from instantpainting.safety import image_nsfw_score
    from tests.gallery.test_safety import BLUE, SKIN, png

    settings.SAFETY_PUBLISH_THRESHOLD = image_nsfw_score(png(BLUE)) + 0.01
    posts = {}
    for animated in (True, False):
        first = interpolation_frame(hamlet)
        for frame, color in zip(first.generation.images.order_by("index"), (BLUE, BLUE, SKIN, BLUE), strict=True):
            default_storage.delete(frame.file.name)
            default_storage.save(frame.file.name, ContentFile(png(color)))
        posts[animated] = Post.objects.get(pk=publish(client_as("hamlet"), first, animated=animated).json()["id"])
    assert posts[True].awaiting_review and posts[True].is_hidden
    assert not posts[False].awaiting_review and not posts[False].is_hidden


def test_the_service_takes_only_a_real_boolean_for_animated(hamlet):
    from gallery.services import post_publish
    from instantpainting.errors import ServiceError

    frame = interpolation_frame(hamlet)
    with pytest.raises(ServiceError) as caught:
        post_publish(user=hamlet, image=frame, animated="yes")  # type: ignore[arg-type]
    assert caught.value.field == "animated"
    assert not Post.objects.exists()

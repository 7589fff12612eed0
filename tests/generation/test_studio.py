"""The creative studio through the API and the pages: variations, restyles, interpolations,
uploads — each from a picture the person may use, the parent recorded, someone else's a 404."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from generation.engine import read_png_settings
from generation.models import Generation, GenerationImage
from generation.studio_worker import STRIP_HEIGHT, interpolation_files
from tests.generation.conftest import job

URL = "/api/v1/generations/"
pytestmark = pytest.mark.django_db


def make_picture(client, run_queue, **overrides) -> GenerationImage:
    resp = client.post(URL, job(**overrides), format="json")
    assert resp.status_code == 201, resp.content
    run_queue()
    generation = Generation.objects.get(public_id=resp.json()["id"])
    assert generation.status == "succeeded", generation.error
    return generation.images.get(index=0)


def finished(client, gid: str, run_queue) -> dict:
    run_queue()
    body = client.get(f"{URL}{gid}/").json()
    assert body["status"] == "succeeded", body
    return body


def stored_settings(image_id: str) -> dict:
    image = GenerationImage.objects.get(public_id=image_id)
    with default_storage.open(image.file.name) as f:
        return read_png_settings(f.read())


def pixels(image_id: str) -> np.ndarray:
    image = GenerationImage.objects.get(public_id=image_id)
    with default_storage.open(image.file.name) as f:
        return np.asarray(Image.open(io.BytesIO(f.read())).convert("RGB"), dtype=np.int16)


# --- variations -------------------------------------------------------------------------------


def test_variations_of_my_picture_record_their_parent_in_settings_and_png(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue, seed=11)
    resp = hamlet_api.post(
        f"/api/v1/images/{source.public_id}/variations/", {"strength": "subtle", "n": 3}, format="json"
    )
    assert resp.status_code == 201, resp.content
    body = finished(hamlet_api, resp.json()["id"], run_queue)
    assert len(body["images"]) == 3
    for image in body["images"]:
        saved = stored_settings(image["id"])
        assert saved["variation_of"] == str(source.public_id)
        assert saved["variation_strength"] == 0.25 and saved["prompt"] == source.generation.prompt
        assert saved["noise"] != source.settings["noise"]
    png = GenerationImage.objects.get(public_id=body["images"][0]["id"])
    with default_storage.open(png.file.name) as f:
        assert "Variation of: " + str(source.public_id) in Image.open(f).text["parameters"]


def test_a_subtle_variation_stays_closer_than_a_strong_one(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue, seed=11)
    distance = {}
    for strength in ("subtle", "strong"):
        gid = hamlet_api.post(
            f"/api/v1/images/{source.public_id}/variations/", {"strength": strength, "n": 4, "seed": 5}, format="json"
        ).json()["id"]
        images = finished(hamlet_api, gid, run_queue)["images"]
        distance[strength] = np.mean([np.abs(pixels(i["id"]) - pixels(str(source.public_id))).mean() for i in images])
    assert 0 < distance["subtle"] < distance["strong"]


def test_variations_of_someone_elses_private_picture_are_a_404(hamlet_api, othello_api, tiny_model, run_queue):
    source = make_picture(othello_api, run_queue)
    for path in ("variations", "interpolations", "restyle"):
        resp = hamlet_api.post(
            f"/api/v1/images/{source.public_id}/{path}/", {"frames": 4, "prompt": "x"}, format="json"
        )
        assert resp.status_code == 404, path
    assert not Generation.objects.filter(user__username="hamlet").exists()


def test_variations_of_a_published_picture_are_allowed_but_its_restyle_is_not(
    hamlet_api, othello, othello_api, tiny_model, run_queue
):
    from gallery.services import post_publish

    source = make_picture(othello_api, run_queue)
    post = post_publish(user=othello, image=source, title="sea")
    resp = hamlet_api.post(f"/api/v1/images/{source.public_id}/variations/", {"strength": "strong"}, format="json")
    assert resp.status_code == 201
    restyle = hamlet_api.post(f"/api/v1/images/{source.public_id}/restyle/", {"style": "watercolor"}, format="json")
    assert restyle.status_code == 404
    page = hamlet_api.get(post.get_absolute_url()).content.decode()
    assert "data-vary=" in page and "data-restyle-form" not in page  # restyle is for one's own pictures


@pytest.mark.parametrize("strength", ["medium", "0", "1.5", "-0.2", ""])
def test_a_bad_strength_is_a_400_naming_it(hamlet_api, tiny_model, run_queue, strength):
    source = make_picture(hamlet_api, run_queue)
    resp = hamlet_api.post(f"/api/v1/images/{source.public_id}/variations/", {"strength": strength}, format="json")
    assert resp.status_code == 400
    assert "variation_strength" in resp.json() or "strength" in resp.json()


def test_a_variation_of_a_variation_starts_from_the_variations_own_noise(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue, seed=11)
    gid = hamlet_api.post(f"/api/v1/images/{source.public_id}/variations/", {"n": 1}, format="json").json()["id"]
    child_id = finished(hamlet_api, gid, run_queue)["images"][0]["id"]
    # Restyling the child with its own prompt and no style change is refused (nothing would change) ...
    same = hamlet_api.post(f"/api/v1/images/{child_id}/restyle/", {}, format="json")
    assert same.status_code == 400 and "prompt" in same.json()
    # ... with another style it keeps the child's exact noise.
    gid = hamlet_api.post(f"/api/v1/images/{child_id}/restyle/", {"style": "ink_wash"}, format="json").json()["id"]
    restyled = finished(hamlet_api, gid, run_queue)["images"][0]
    saved = stored_settings(restyled["id"])
    assert saved["restyle_of"] == child_id
    assert saved["noise"] == stored_settings(child_id)["noise"]
    assert saved["style"] == "ink_wash"


# --- restyle ----------------------------------------------------------------------------------


def test_restyle_with_an_edited_prompt_keeps_the_noise(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue, seed=21)
    resp = hamlet_api.post(
        f"/api/v1/images/{source.public_id}/restyle/",
        {"prompt": "a (red:1.5) sun over a calm sea at night"},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    image = finished(hamlet_api, resp.json()["id"], run_queue)["images"][0]
    saved = stored_settings(image["id"])
    assert saved["noise"] == source.settings["noise"] and saved["restyle_of"] == str(source.public_id)
    assert saved["prompt"] == "a (red:1.5) sun over a calm sea at night"


# --- interpolation ----------------------------------------------------------------------------


def test_an_interpolation_makes_frames_a_strip_and_an_animation_for_the_owner_only(
    hamlet_api, othello_api, tiny_model, run_queue
):
    source = make_picture(hamlet_api, run_queue, seed=31)
    resp = hamlet_api.post(
        f"/api/v1/images/{source.public_id}/interpolations/",
        {"frames": 6, "interpolate_seed": 99, "interpolate_prompt": "a green moon"},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    body = finished(hamlet_api, resp.json()["id"], run_queue)
    assert len(body["images"]) == 6
    first = stored_settings(body["images"][0]["id"])
    assert first["interpolation_of"] == str(source.public_id)
    assert first["interpolation"]["to_seed"] == 99 and first["interpolation"]["frames"] == 6
    assert np.abs(pixels(body["images"][0]["id"]) - pixels(str(source.public_id))).max() <= 2
    animation = hamlet_api.get(body["animation_url"])
    assert animation.status_code == 200 and animation["Content-Type"] == "image/webp"
    webp = Image.open(io.BytesIO(b"".join(animation.streaming_content)))
    assert webp.format == "WEBP" and webp.is_animated
    strip = hamlet_api.get(body["strip_url"])
    assert strip.status_code == 200
    strip_png = Image.open(io.BytesIO(b"".join(strip.streaming_content)))
    assert strip_png.width == 6 * strip_png.height  # square frames side by side
    assert othello_api.get(body["animation_url"]).status_code == 404
    assert othello_api.get(body["strip_url"]).status_code == 404


def test_the_animation_plays_there_and_back_and_the_strip_holds_every_frame():
    frames = [Image.new("RGB", (512, 256), (40 * i, 255 - 40 * i, 90)) for i in range(6)]
    strip, webp = interpolation_files(frames)
    animation = Image.open(io.BytesIO(webp))
    assert animation.n_frames == 2 * 6 - 2
    colours = []
    for index in range(animation.n_frames):
        animation.seek(index)
        colours.append(round(animation.convert("RGB").getpixel((10, 10))[0] / 40))
    assert colours == [0, 1, 2, 3, 4, 5, 4, 3, 2, 1]
    assert Image.open(io.BytesIO(strip)).size == (6 * 512 * STRIP_HEIGHT // 256, STRIP_HEIGHT)


def test_an_interpolation_through_the_plain_create_endpoint(hamlet_api, tiny_model, run_queue):
    resp = hamlet_api.post(URL, job(frames=4, seed=1, interpolate_seed=2), format="json")
    assert resp.status_code == 201, resp.content
    assert len(finished(hamlet_api, resp.json()["id"], run_queue)["images"]) == 4
    bad = hamlet_api.post(URL, job(frames=4), format="json")
    assert bad.status_code == 400 and "frames" in bad.json()


# --- emphasis ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "says"),
    [("a (snowy mountain", "never closed"), ("a (snow:lots) hill", "must be a number"), ("（雪：9）", "out of range")],
)
def test_malformed_emphasis_is_a_400_naming_the_problem(hamlet_api, tiny_model, prompt, says):
    resp = hamlet_api.post(URL, job(prompt=prompt), format="json")
    assert resp.status_code == 400
    assert says in " ".join(resp.json()["prompt"])
    assert not Generation.objects.exists()


def test_emphasis_is_accepted_in_english_and_chinese(hamlet_api, tiny_model, run_queue):
    for prompt in ("a (snowy:1.4) mountain", "（雪：1.4）山"):
        assert hamlet_api.post(URL, job(prompt=prompt), format="json").status_code == 201
    run_queue()
    assert set(Generation.objects.values_list("status", flat=True)) == {"succeeded"}


# --- the pages --------------------------------------------------------------------------------


def test_the_detail_page_shows_the_lineage_and_the_studio_buttons(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue, seed=11)
    gid = hamlet_api.post(f"/api/v1/images/{source.public_id}/variations/", {"n": 1}, format="json").json()["id"]
    finished(hamlet_api, gid, run_queue)
    page = hamlet_api.get(f"/generations/{gid}/").content.decode()
    assert 'data-lineage="variation_of"' in page and str(source.get_thumb_url()) in page
    assert f'<a href="/generations/{source.generation.public_id}/">' in page  # the parent's job, for its owner
    assert "data-vary=" in page and "data-restyle-form" in page and "data-interpolate-form" in page
    assert "source_noise" not in page


def test_the_vary_button_creates_a_job_and_the_create_page_follows_it(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue)
    resp = hamlet_api.post(f"/studio/images/{source.public_id}/vary/", {"strength": "strong"})
    assert resp.status_code == 302
    variation = Generation.objects.exclude(pk=source.generation_id).get()
    assert resp["Location"] == f"/?follow={variation.public_id}"
    assert variation.options["variation_of"] == str(source.public_id)
    page = hamlet_api.get(resp["Location"]).content.decode()
    assert str(variation.public_id) in page  # handed to create.js in its config


def test_the_post_page_shows_where_a_published_variation_came_from(hamlet, hamlet_api, tiny_model, run_queue):
    from gallery.services import post_publish

    source = make_picture(hamlet_api, run_queue)
    gid = hamlet_api.post(f"/api/v1/images/{source.public_id}/variations/", {"n": 1}, format="json").json()["id"]
    child = Generation.objects.get(public_id=finished(hamlet_api, gid, run_queue)["id"]).images.get()
    post = post_publish(user=hamlet, image=child)
    page = hamlet_api.get(post.get_absolute_url()).content.decode()
    assert 'data-lineage="variation_of"' in page and "data-vary=" in page
    # For a visitor the private source is named, not shown.
    from rest_framework.test import APIClient

    visitor = APIClient().get(post.get_absolute_url()).content.decode()
    assert 'data-lineage="variation_of"' in visitor and str(source.get_thumb_url()) not in visitor
    # Once the source is published too, its link goes to its post, for the visitor and the owner.
    source_post = post_publish(user=hamlet, image=source)
    for client in (APIClient(), hamlet_api):
        page = client.get(post.get_absolute_url()).content.decode()
        assert f'<a href="{source_post.get_absolute_url()}">' in page and str(source.get_thumb_url()) in page


def test_openapi_lists_the_studio_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    for path in (
        "/api/v1/images/{public_id}/variations/",
        "/api/v1/images/{public_id}/restyle/",
        "/api/v1/images/{public_id}/interpolations/",
        "/api/v1/uploads/",
        "/api/v1/uploads/{public_id}/restyle/",
    ):
        assert path in text, path
    assert "variation_strength" in text and "interpolate_prompt" in text


def test_same_seed_is_offered_only_for_a_picture_drawn_from_its_own_seed(hamlet_api, tiny_model, run_queue):
    source = make_picture(hamlet_api, run_queue, seed=11)
    page = hamlet_api.get(source.generation.get_absolute_url()).content.decode()
    assert "data-same-seed" in page and "seed=11" in page
    gid = hamlet_api.post(f"/api/v1/images/{source.public_id}/variations/", {"n": 1}, format="json").json()["id"]
    finished(hamlet_api, gid, run_queue)
    page = hamlet_api.get(f"/generations/{gid}/").content.decode()
    assert "data-same-seed" not in page and "data-new-seed" in page
    # Used studio fields under their human label, unused ones hidden; no raw keys.
    assert "<dt>Variation strength</dt>" in page and "<dt>Frames</dt>" not in page
    assert "variation_strength<" not in page and "source_noise" not in page

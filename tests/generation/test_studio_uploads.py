"""Uploaded pictures to restyle: every bad upload a clear 400, the odd-but-valid ones handled,
uploads private to their owner, and the restyle job shows the reconstruction first."""

from __future__ import annotations

import io
import random

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation.models import Generation, Upload
from instantpainting.safety import image_nsfw_score
from tests.accounts.test_avatar import png_claiming

UPLOADS = "/api/v1/uploads/"
pytestmark = pytest.mark.django_db


def encoded(image: Image.Image, fmt: str = "PNG", **save) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def send(client, data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return client.post(UPLOADS, {"image": SimpleUploadedFile(name, data, content_type)}, format="multipart")


def stored(upload_id: str) -> Image.Image:
    upload = Upload.objects.get(public_id=upload_id)
    with default_storage.open(upload.file.name) as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("red", "green", "blue")]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"this is a text file, not a picture", "not an image we can read"),
        (b"", "empty"),
        (png_claiming(50_000, 50_000), "at most 16 million pixels"),  # a decompression bomb
        (png_claiming(0, 10), "not an image we can read"),
        (encoded(Image.new("1", (20_000, 20_000))), "at most 16 million pixels"),  # a real 20000×20000 PNG
        (animated_gif(), "Animated pictures cannot be restyled"),
        (encoded(Image.new("RGB", (30, 30)), "BMP"), "Upload a PNG, JPEG, WebP or GIF image"),
    ],
    ids=["text", "empty", "bomb", "zero-width", "20000px", "animated-gif", "bmp"],
)
def test_a_bad_upload_is_a_400_saying_why_and_nothing_is_kept(hamlet_api, data, says):
    resp = send(hamlet_api, data)
    assert resp.status_code == 400, resp.content
    assert says in " ".join(resp.json()["image"])
    assert not Upload.objects.exists()


def test_an_upload_the_safety_check_scores_above_the_threshold_is_refused_and_not_kept(hamlet_api, settings):
    skin, blue = Image.new("RGB", (300, 300), (224, 172, 140)), Image.new("RGB", (300, 300), (20, 40, 200))
    settings.SAFETY_UPLOAD_THRESHOLD = image_nsfw_score(skin) - 0.01  # the real classifier's own score
    refused = send(hamlet_api, encoded(skin))
    assert refused.status_code == 400 and "looks like explicit content" in " ".join(refused.json()["image"])
    assert not Upload.objects.exists()
    assert send(hamlet_api, encoded(blue)).status_code == 201  # a low-scoring picture passes the same threshold


def test_an_upload_over_max_upload_bytes_is_a_400(hamlet_api, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    noisy = Image.frombytes("RGB", (200, 200), random.Random(7).randbytes(200 * 200 * 3))
    data = encoded(noisy)
    assert len(data) > 10_000
    resp = send(hamlet_api, data)
    assert resp.status_code == 400 and "too large" in " ".join(resp.json()["image"])
    assert not Upload.objects.exists()


def test_no_file_is_a_400(hamlet_api):
    resp = hamlet_api.post(UPLOADS, {}, format="multipart")
    assert resp.status_code == 400 and "image" in resp.json()


def test_a_cmyk_jpeg_is_kept_as_rgb_with_its_colours(hamlet_api):
    resp = send(hamlet_api, encoded(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG"), "p.jpg", "image/jpeg")
    assert resp.status_code == 201, resp.content
    image = stored(resp.json()["id"])
    assert image.mode == "RGB" and image.size == (64, 48)
    r, g, b = image.getpixel((32, 24))
    assert r > 200 and g < 60 and b < 60  # red, not inverted


def test_a_16_bit_png_is_scaled_to_8_bits_not_clipped_to_white(hamlet_api):
    deep = Image.new("I;16", (64, 64), 32768)  # half brightness in 16 bits
    resp = send(hamlet_api, encoded(deep))
    assert resp.status_code == 201, resp.content
    value = stored(resp.json()["id"]).getpixel((5, 5))
    assert all(120 <= channel <= 136 for channel in value)


def test_a_transparent_png_is_flattened_onto_white(hamlet_api):
    clear = Image.new("RGBA", (50, 40), (0, 0, 0, 0))  # the hidden colour is black
    clear.paste((255, 0, 0, 255), (0, 0, 10, 10))
    resp = send(hamlet_api, encoded(clear))
    assert resp.status_code == 201, resp.content
    image = stored(resp.json()["id"])
    assert image.mode == "RGB" and image.getpixel((30, 30)) == (255, 255, 255) and image.getpixel((2, 2)) == (255, 0, 0)


def test_an_exif_rotated_photo_is_turned_upright(hamlet_api):
    photo = Image.new("RGB", (60, 40), (0, 0, 255))
    photo.paste((255, 0, 0), (0, 0, 30, 40))  # left half red, as the sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    resp = send(hamlet_api, encoded(photo, "JPEG", exif=exif.tobytes()), "p.jpg", "image/jpeg")
    assert resp.status_code == 201, resp.content
    image = stored(resp.json()["id"])
    assert image.size == (40, 60)
    assert image.getpixel((20, 5))[0] > 200  # the red half is now on top
    assert image.getpixel((20, 55))[2] > 200


def test_uploads_are_private_to_their_owner(hamlet_api, othello_api, tiny_model):
    upload_id = send(hamlet_api, encoded(Image.new("RGB", (64, 64), (20, 90, 200)))).json()["id"]
    assert hamlet_api.get(f"/u/{upload_id}.png").status_code == 200
    assert othello_api.get(f"/u/{upload_id}.png").status_code == 404
    resp = othello_api.post(f"{UPLOADS}{upload_id}/restyle/", {"prompt": "a blue sky"}, format="json")
    assert resp.status_code == 404
    assert not Generation.objects.exists()


def test_restyling_an_upload_shows_the_reconstruction_then_the_restyle(hamlet_api, tiny_model, run_queue):
    picture = Image.new("RGB", (512, 512), (30, 120, 220))
    picture.paste((40, 160, 40), (0, 300, 512, 512))
    upload_id = send(hamlet_api, encoded(picture)).json()["id"]
    resp = hamlet_api.post(
        f"{UPLOADS}{upload_id}/restyle/",
        {"prompt": "a green hill under a blue sky", "style": "watercolor", "width": 256, "height": 256},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    run_queue()
    body = hamlet_api.get(f"/api/v1/generations/{resp.json()['id']}/").json()
    assert body["status"] == "succeeded", body
    first, restyled = body["images"]
    assert first["settings"]["reconstruction"] is True and first["settings"]["reconstruction_error"] >= 0
    assert first["settings"]["restyle_of"] == f"upload:{upload_id}"
    assert restyled["settings"]["restyle_of"] == f"upload:{upload_id}" and restyled["settings"]["style"] == "watercolor"
    assert restyled["settings"]["noise"] == first["settings"]["noise"]  # the inverted noise, restyled
    page = hamlet_api.get(body["url"]).content.decode()
    assert "data-reconstruction" in page and "an uploaded picture" in page


def test_the_upload_page_restyles_and_reports_a_bad_file_in_place(client, tiny_model):
    page = client.get("/studio/upload/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    bad = client.post(
        "/studio/upload/", {"image": SimpleUploadedFile("x.png", b"nope", "image/png"), "prompt": "a sea"}
    )
    assert bad.status_code == 400 and "not an image we can read" in bad.content.decode()
    good = client.post(
        "/studio/upload/",
        {
            "image": SimpleUploadedFile("x.png", encoded(Image.new("RGB", (80, 80), "red")), "image/png"),
            "prompt": "a sea",
        },
    )
    assert good.status_code == 302 and good["Location"].startswith("/?follow=")
    assert Generation.objects.get().options["upload"] == str(Upload.objects.get().public_id)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_upload_restyle_streams_its_progress_over_the_owners_socket(hamlet, tiny_model):
    from asgiref.sync import sync_to_async

    from generation import studio
    from generation.owners import Owner
    from generation.tasks import generation_enqueue
    from generation.worker import jobs
    from tests.generation.test_consumer import connect, session_cookie_for

    comm = await connect(await session_cookie_for(user=hamlet))
    owner = Owner(user_id=hamlet.pk)

    def create() -> Generation:
        upload = studio.upload_store(owner=owner, stream=io.BytesIO(encoded(Image.new("RGB", (96, 64), "teal"))))
        return studio.upload_restyle_create(
            owner=owner, upload=upload, prompt="a calm sea", width=256, height=256, client_ip=None
        )

    generation = await sync_to_async(create)()
    status = await sync_to_async(jobs.generation_run)(
        generation_id=generation.pk, worker_id="w1", requeue=generation_enqueue
    )
    assert status == "succeeded"
    seen = []
    while True:
        message = await comm.receive_json_from(timeout=5)
        if message.get("id") != str(generation.public_id):
            continue
        seen.append(message)
        if message["type"] == "generation.succeeded":
            break
    stages = [m["stage"] for m in seen if m["type"] == "generation.progress"]
    assert stages[0] == "inverting" and "saving" in stages
    fractions = [m["fraction"] for m in seen if m["type"] == "generation.progress"]
    assert fractions == sorted(fractions)
    assert len(seen[-1]["images"]) == 2  # the reconstruction, then the restyle
    await comm.disconnect()


def test_uploads_are_throttled_per_user_with_retry_after(hamlet_api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "picture_upload": "2/hour"},
    }
    data = encoded(Image.new("RGB", (32, 32), "red"))
    assert [send(hamlet_api, data).status_code for _ in range(2)] == [201, 201]
    refused = send(hamlet_api, data)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Upload.objects.count() == 2


def test_the_upload_page_keeps_no_orphan_upload_when_the_prompt_is_refused(
    client, tiny_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            "/studio/upload/",
            {
                "image": SimpleUploadedFile("x.png", encoded(Image.new("RGB", (80, 80), "red")), "image/png"),
                "prompt": "a (sea",
            },
        )
    assert resp.status_code == 400 and "never closed" in resp.content.decode()
    assert not Upload.objects.exists() and not Generation.objects.exists()
    assert not default_storage.exists("uploads") or not default_storage.listdir("uploads")[1]


def test_the_studio_buttons_on_someone_elses_private_picture_are_404s(hamlet_api, othello_api, tiny_model, run_queue):
    from tests.generation.test_studio import make_picture

    source = make_picture(othello_api, run_queue)
    for action in ("vary", "restyle", "interpolate"):
        resp = hamlet_api.post(f"/studio/images/{source.public_id}/{action}/", {"frames": "4", "strength": "subtle"})
        assert resp.status_code == 404, action
    assert Generation.objects.count() == 1


def test_a_guest_can_vary_their_own_picture(api, tiny_model, run_queue):
    from tests.generation.test_studio import make_picture

    source = make_picture(api, run_queue)
    resp = api.post(f"/api/v1/images/{source.public_id}/variations/", {"n": 2}, format="json")
    assert resp.status_code == 201
    run_queue()
    assert Generation.objects.get(public_id=resp.json()["id"]).images.count() == 2

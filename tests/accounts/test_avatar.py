"""Avatar uploads: only real, reasonably sized images, re-encoded to WebP 256×256."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.avatars import AvatarRejected, avatar_webp
from accounts.models import Profile

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str, size=(300, 200), color=(10, 120, 200), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt != "GIF" else "P"
    Image.new(mode, size, color if mode == "RGB" else 3).save(out, format=fmt, **save)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width×height pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def upload(client, data: bytes, name: str = "me.png", content_type: str = "image/png"):
    return client.post("/settings/", {"action": "avatar", "avatar": SimpleUploadedFile(name, data, content_type)})


def avatar_of(user) -> str:
    return Profile.objects.get(user=user).avatar.name


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_an_image_becomes_a_256px_webp_served_at_the_avatar_url(client_as, hamlet, fmt):
    c = client_as("hamlet")
    response = upload(c, image_bytes(fmt), name=f"me.{fmt.lower()}")
    assert response.status_code == 302
    name = avatar_of(hamlet)
    assert name.endswith(".webp")
    with default_storage.open(name) as handle, Image.open(handle) as stored:
        assert stored.format == "WEBP" and stored.size == (256, 256)
    served = c.get(Profile.objects.get(user=hamlet).get_avatar_url())
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.size == (256, 256)


def test_metadata_in_the_upload_is_not_kept(client_as, hamlet):
    exif = Image.Exif()
    exif[0x010E] = "secret GPS note"  # ImageDescription
    upload(client_as("hamlet"), image_bytes("JPEG", exif=exif.tobytes()), name="me.jpg", content_type="image/jpeg")
    with default_storage.open(avatar_of(hamlet)) as handle:
        assert b"secret GPS note" not in handle.read()


def test_a_new_avatar_replaces_and_deletes_the_old_file(client_as, hamlet, django_capture_on_commit_callbacks):
    c = client_as("hamlet")
    upload(c, image_bytes("PNG"))
    first = avatar_of(hamlet)
    with django_capture_on_commit_callbacks(execute=True):
        upload(c, image_bytes("PNG", color=(1, 2, 3)))
    assert avatar_of(hamlet) != first
    assert not default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        c.post("/settings/", {"action": "avatar_remove"})
    assert avatar_of(hamlet) == ""


def assert_refused(response, hamlet, words: str) -> None:
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error-for="avatar"' in html
    assert words in html
    assert avatar_of(hamlet) == ""


def test_a_non_image_is_refused(client_as, hamlet):
    response = upload(client_as("hamlet"), b"<?php echo 'hi'; ?>" * 10, name="me.png")
    assert_refused(response, hamlet, "not an image")


def test_a_truncated_image_is_refused(client_as, hamlet):
    data = image_bytes("PNG", size=(400, 400))
    response = upload(client_as("hamlet"), data[: len(data) // 2])
    assert_refused(response, hamlet, "not an image")


def test_an_empty_file_is_refused(client_as, hamlet):
    response = upload(client_as("hamlet"), b"", name="empty.png")
    assert response.status_code == 400
    assert avatar_of(hamlet) == ""


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_image_types_other_than_png_jpeg_webp_gif_are_refused(client_as, hamlet, fmt):
    response = upload(client_as("hamlet"), image_bytes(fmt, size=(64, 64)), name=f"me.{fmt.lower()}")
    assert_refused(response, hamlet, "PNG, JPEG, WebP or GIF")


def test_a_decompression_bomb_is_refused_before_decoding(client_as, hamlet):
    response = upload(client_as("hamlet"), png_claiming(60_000, 60_000))
    assert_refused(response, hamlet, "too large")


def test_more_pixels_than_max_image_pixels_is_refused(client_as, hamlet, settings):
    settings.MAX_IMAGE_PIXELS = 100 * 100
    assert_refused(upload(client_as("hamlet"), image_bytes("PNG", size=(101, 100))), hamlet, "too large")
    assert upload(client_as("hamlet"), image_bytes("PNG", size=(100, 100))).status_code == 302


def test_an_oversize_file_is_refused(client_as, hamlet, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    noisy = io.BytesIO()
    Image.effect_noise((200, 200), 100).convert("RGB").save(noisy, format="PNG")
    assert len(noisy.getvalue()) > 10_000
    assert_refused(upload(client_as("hamlet"), noisy.getvalue()), hamlet, "too large")


def test_the_upload_handler_stops_reading_past_the_limit(client_as, hamlet, settings, monkeypatch):
    settings.MAX_UPLOAD_BYTES = 1_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # would otherwise spool to disk

    def must_not_run(**kwargs):
        raise AssertionError("the oversize file reached the service")

    monkeypatch.setattr("accounts.services.profile_set_avatar", must_not_run)
    response = upload(client_as("hamlet"), b"\x89PNG" + b"\0" * 50_000)
    assert_refused(response, hamlet, "too large")


def test_a_missing_file_or_a_text_field_is_a_required_error(client_as, hamlet):
    c = client_as("hamlet")
    for data in [{"action": "avatar"}, {"action": "avatar", "avatar": "just text"}]:
        response = c.post("/settings/", data)
        assert response.status_code == 400
        assert 'data-error-for="avatar"' in response.content.decode()
    assert avatar_of(hamlet) == ""


def test_guests_cannot_upload(client, hamlet):
    response = upload(client, image_bytes("PNG"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the helper on its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"x" * 101, "too_large"),
        (b"not an image at all", "not_image"),
        (png_claiming(50_000, 50_000), "too_many_pixels"),
        (png_claiming(0, 10), "not_image"),
    ],
)
def test_avatar_webp_names_the_reason(data, reason):
    with pytest.raises(AvatarRejected) as info:
        avatar_webp(io.BytesIO(data), max_bytes=100 if reason == "too_large" else 10**7, max_pixels=4096 * 4096)
    assert info.value.reason == reason


def test_avatar_webp_keeps_transparency(db):
    out = io.BytesIO()
    Image.new("RGBA", (50, 80), (255, 0, 0, 0)).save(out, format="PNG")
    webp = avatar_webp(io.BytesIO(out.getvalue()), max_bytes=10**6, max_pixels=10**6)
    with Image.open(io.BytesIO(webp)) as image:
        assert image.mode == "RGBA" and image.getpixel((128, 128))[3] == 0

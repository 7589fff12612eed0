"""The creative studio in the scale-out profile: PostgreSQL queue, Redis events, S3 media, a
separate worker process — a variation, an interpolation (its animation in the bucket) and an
uploaded picture's restyle (the upload read back from the bucket by the worker)."""

from __future__ import annotations

import io
import json
import threading
import urllib.request
import uuid

import pytest
from PIL import Image

from tests.live import Client, LiveSite
from tests.scaleout.test_scaleout import collect_events

pytestmark = [pytest.mark.services, pytest.mark.timeout_guard]


def upload(client: Client, data: bytes) -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    req = urllib.request.Request(client.base + "/api/v1/uploads/", data=body, method="POST")
    req.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    req.add_header("Accept", "application/json")
    req.add_header("X-CSRFToken", client.cookie("csrftoken"))
    req.add_header("Referer", client.base + "/")
    try:
        with client.opener.open(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_variations_interpolations_and_upload_restyles_on_postgres_redis_and_s3(
    tmp_path, postgres_url, redis_url, s3_endpoint
):
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, **s3_endpoint["env"]}
    with LiveSite(tmp_path / "site", worker_in_process=False, env_extra=env) as site:
        site.prepare()
        site.start_server()
        site.start_worker("gpu-a")
        owner, stranger = Client(site.url), Client(site.url)
        owner.start_session()
        stranger.start_session()
        events, stop, ready = [], threading.Event(), threading.Event()
        thread = threading.Thread(target=collect_events, args=(site, owner, events, stop, ready), daemon=True)
        thread.start()
        assert ready.wait(15)

        status, body, _ = owner.post("/api/v1/generations/", {"prompt": "a red sun", "width": 256, "height": 256})
        assert status == 201, body
        source = owner.wait_finished(body["id"], timeout=120)["images"][0]

        status, variation, _ = owner.post(f"/api/v1/images/{source['id']}/variations/", {"n": 2})
        assert status == 201, variation
        status, interpolation, _ = owner.post(
            f"/api/v1/images/{source['id']}/interpolations/", {"frames": 4, "interpolate_seed": 5}
        )
        assert status == 201, interpolation
        picture = io.BytesIO()
        Image.new("RGB", (120, 90), (30, 120, 220)).save(picture, format="PNG")
        status, uploaded = upload(owner, picture.getvalue())
        assert status == 201, uploaded
        assert stranger.post(f"/api/v1/uploads/{uploaded['id']}/restyle/", {"prompt": "a sea"})[0] == 404
        status, restyle, _ = owner.post(
            f"/api/v1/uploads/{uploaded['id']}/restyle/", {"prompt": "a calm sea", "width": 256, "height": 256}
        )
        assert status == 201, restyle

        finals = {key: owner.wait_finished(job["id"], timeout=180) for key, job in
                  (("variation", variation), ("interpolation", interpolation), ("restyle", restyle))}  # fmt: skip
        stop.set()
        thread.join(10)
        assert {key: f["status"] for key, f in finals.items()} == dict.fromkeys(finals, "succeeded"), site.logs()
        assert finals["variation"]["images"][0]["settings"]["variation_of"] == source["id"]
        assert len(finals["interpolation"]["images"]) == 4
        assert finals["restyle"]["images"][0]["settings"]["reconstruction"] is True
        # Progress crossed processes through Redis, the inversion's stage included.
        stages = {e.get("stage") for e in events if e["type"] == "generation.progress"}
        assert {"inverting", "generating"} <= stages
        keys = [o["Key"] for o in s3_endpoint["client"].list_objects_v2(Bucket="media")["Contents"]]
        assert any(k.endswith("animation.webp") for k in keys) and any(k.startswith("uploads/") for k in keys)
        animation_url = finals["interpolation"]["animation_url"]
        assert animation_url.startswith(site.url + "/"), animation_url  # the API's file URLs are absolute
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(owner.jar))
        with opener.open(animation_url, timeout=30) as resp:
            assert "Signature=" in resp.url and resp.read(4) == b"RIFF"
        assert stranger.get(animation_url.removeprefix(site.url))[0] == 404

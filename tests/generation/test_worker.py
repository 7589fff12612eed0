"""The worker side: a job runs to pictures on disk, with progress, cancel, retries and the reaper."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from generation import services
from generation.models import Generation
from generation.owners import Owner
from generation.tasks import generation_enqueue
from generation.worker import engines, jobs, liveness
from tests.generation.conftest import job

URL = "/api/v1/generations/"
pytestmark = pytest.mark.django_db


def create(owner: Owner, **overrides) -> Generation:
    values = job(**overrides)
    spec = services.GenerationSpec(**{k: v for k, v in values.items()})
    return services.generation_create(owner=owner, spec=spec)


def run(generation: Generation, worker_id: str = "w1") -> str:
    """What the queue task does for a job, called directly."""
    return jobs.generation_run(generation_id=generation.pk, worker_id=worker_id, requeue=generation_enqueue)


def test_a_job_runs_to_pngs_with_settings_and_webp_thumbnails(hamlet_api, tiny_model, run_queue):
    gid = hamlet_api.post(URL, job(width=768, height=512, n=2, seed=41), format="json").json()["id"]
    run_queue()
    body = hamlet_api.get(f"{URL}{gid}/").json()
    assert body["status"] == "succeeded", body
    assert body["progress"] == 1.0
    assert [img["seed"] for img in body["images"]] == [41, 42]
    for image in Generation.objects.get(public_id=gid).images.all():
        with default_storage.open(image.file.name) as f:
            png = Image.open(io.BytesIO(f.read()))
            assert png.format == "PNG" and png.size == (768, 512)
            from generation.engine import read_png_settings

            f.seek(0)
            saved = read_png_settings(f.read())
        assert saved["seed"] == image.seed
        assert saved["prompt"] == "a red sun over a calm sea"
        assert (saved["width"], saved["height"]) == (768, 512)
        with default_storage.open(image.thumbnail.name) as f:
            thumb = Image.open(io.BytesIO(f.read()))
            assert thumb.format == "WEBP" and max(thumb.size) <= 384


def test_a_downloaded_file_reproduces_the_same_pixels(hamlet_api, tiny_model, run_queue):
    from generation.engine import read_png_settings

    first = hamlet_api.post(URL, job(seed=99), format="json").json()["id"]
    run_queue()
    image = Generation.objects.get(public_id=first).images.get()
    with default_storage.open(image.file.name) as f:
        raw = f.read()
    saved = read_png_settings(raw)
    again = hamlet_api.post(
        URL,
        job(prompt=saved["prompt"], seed=saved["seed"], width=saved["width"], height=saved["height"]),
        format="json",
    ).json()["id"]
    run_queue()
    other = Generation.objects.get(public_id=again).images.get()
    with default_storage.open(other.file.name) as f:
        assert Image.open(f).tobytes() == Image.open(io.BytesIO(raw)).tobytes()


def test_the_owner_can_fetch_the_file_and_others_get_404(hamlet_api, othello_api, api, tiny_model, run_queue):
    gid = hamlet_api.post(URL, job(), format="json").json()["id"]
    run_queue()
    image = hamlet_api.get(f"{URL}{gid}/").json()["images"][0]
    resp = hamlet_api.get(image["url"])
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    download = hamlet_api.get(image["url"] + "?download=1")
    assert "attachment" in download["Content-Disposition"]
    assert hamlet_api.get(image["thumb_url"])["Content-Type"] == "image/webp"
    for stranger in (othello_api, api):
        assert stranger.get(image["url"]).status_code == 404
        assert stranger.get(image["thumb_url"]).status_code == 404


def test_models_are_loaded_once_per_process(hamlet_api, tiny_model, run_queue, monkeypatch):
    from generation.engine import Engine

    engines._engines.clear()
    loads = []
    original = Engine.load.__func__

    def counting_load(cls, *args, **kwargs):
        loads.append(args)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(Engine, "load", classmethod(counting_load))
    assert "untrained-tiny" in engines.warm_models()
    warm_loads = len(loads)
    for _ in range(3):
        hamlet_api.post(URL, job(), format="json")
    run_queue()
    assert Generation.objects.filter(status="succeeded").count() == 3
    assert len(loads) == warm_loads  # no job paid a load


def test_progress_is_written_stage_by_stage(hamlet, tiny_model):
    generation = create(Owner(user_id=hamlet.pk))
    stages = []
    original = jobs._ProgressReporter.__call__

    def spy(self, stage, fraction):
        original(self, stage, fraction)
        stages.append((stage, Generation.objects.get(pk=generation.pk).progress))

    jobs._ProgressReporter.__call__ = spy
    try:
        assert run(generation) == "succeeded"
    finally:
        jobs._ProgressReporter.__call__ = original
    names = [s for s, _ in stages]
    assert names.index("encoding") < names.index("generating") < names.index("saving")
    progress = [p for _, p in stages]
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_a_running_job_asked_to_cancel_stops_at_the_next_stage(hamlet, tiny_model):
    generation = create(Owner(user_id=hamlet.pk), n=4)
    Generation.objects.filter(pk=generation.pk).update(cancel_requested=True)
    assert run(generation) == "canceled"
    generation.refresh_from_db()
    assert generation.status == "canceled"
    assert generation.images.count() == 0


def test_a_transient_error_is_retried_with_backoff_then_fails_after_the_last_attempt(hamlet, tiny_model, settings):
    from django_tasks_db.models import DBTaskResult

    settings.GENERATION_MAX_ATTEMPTS = 2
    settings.GENERATION_RETRY_BACKOFF_SECONDS = 5
    generation = create(Owner(user_id=hamlet.pk))
    owner = Owner(user_id=hamlet.pk)
    Generation.objects.filter(pk=generation.pk).update(status="running", worker="w1", attempts=1)
    before = timezone.now()
    assert (
        jobs._retry_or_fail(generation, owner, "w1", "CUDA out of memory", code="transient", requeue=generation_enqueue)
        == "queued"
    )
    generation.refresh_from_db()
    assert generation.status == "queued" and generation.error == "CUDA out of memory"
    retry = DBTaskResult.objects.get(id=generation.task_id)
    assert retry.run_after >= before + timedelta(seconds=4.5)

    Generation.objects.filter(pk=generation.pk).update(status="running", worker="w1", attempts=2)
    assert (
        jobs._retry_or_fail(generation, owner, "w1", "CUDA out of memory", code="transient", requeue=generation_enqueue)
        == "failed"
    )
    generation.refresh_from_db()
    assert generation.status == "failed"
    assert "2 attempts" in generation.error


def test_a_model_with_missing_weights_fails_the_job_with_a_reason_that_names_no_server_file(
    hamlet, hamlet_api, tiny_model, tmp_path, monkeypatch
):
    """A real load failure: the operator keeps the engine's text (it names the file), the owner
    is told in words what to do, and neither the API nor the live event shows a server path."""
    import shutil

    from generation import events

    broken = tmp_path / "broken-package"
    shutil.copytree(tiny_model.path, broken)
    (broken / "generator.safetensors").unlink()
    type(tiny_model).objects.filter(pk=tiny_model.pk).update(path=str(broken))
    sent = []
    monkeypatch.setattr(events, "publish", lambda group, message: sent.append(message))
    generation = create(Owner(user_id=hamlet.pk))
    assert run(generation) == "failed"
    generation.refresh_from_db()
    assert generation.error_code == "weights_missing"
    assert str(broken) in generation.error  # for the operator: admin and worker log
    body = hamlet_api.get(f"{URL}{generation.public_id}/").json()
    assert body["status"] == "failed" and body["error_code"] == "weights_missing"
    assert "files on the server are missing" in body["error"] and str(tmp_path) not in body["error"]
    failed = [m for m in sent if m["type"] == "generation.failed"]
    assert failed == [
        {
            "type": "generation.failed",
            "id": str(generation.public_id),
            "error": body["error"],
            "code": "weights_missing",
        }
    ]


def test_the_reaper_requeues_a_job_whose_worker_went_silent(hamlet, tiny_model, settings):
    settings.WORKER_STALE_SECONDS = 10
    generation = create(Owner(user_id=hamlet.pk))
    old_task = generation.task_id
    stale = timezone.now() - timedelta(seconds=30)
    Generation.objects.filter(pk=generation.pk).update(status="running", worker="dead", attempts=1, heartbeat_at=stale)
    fresh = create(Owner(user_id=hamlet.pk))
    Generation.objects.filter(pk=fresh.pk).update(
        status="running", worker="alive", attempts=1, heartbeat_at=timezone.now()
    )
    assert liveness.generation_reap_stale() == 1
    generation.refresh_from_db()
    fresh.refresh_from_db()
    assert generation.status == "queued" and generation.task_id != old_task
    assert fresh.status == "running"
    # A late result from the dead worker is discarded: the job is no longer its to finish.
    assert jobs._finish(generation, Owner(user_id=hamlet.pk), "dead", "succeeded") == "lost"


def test_a_job_taken_over_elsewhere_is_not_run_twice(hamlet, tiny_model):
    generation = create(Owner(user_id=hamlet.pk))
    assert run(generation) == "succeeded"
    assert run(generation, "w2") == "skipped"
    assert generation.images.count() == 1


def test_each_saved_picture_is_announced_with_a_small_preview_before_the_outcome(hamlet, tiny_model, monkeypatch):
    """`generation.image` per picture, in order, between the saving progress and the outcome; the
    preview is a real WebP no larger than PREVIEW_SIDE; the bar gives saving its half."""
    import base64

    from generation import events

    sent = []
    monkeypatch.setattr(events, "publish", lambda group, message: sent.append(message))
    generation = create(Owner(user_id=hamlet.pk), n=3, width=384, height=256)
    assert run(generation) == "succeeded"
    kinds = [m["type"] for m in sent]
    pictures = [m for m in sent if m["type"] == "generation.image"]
    assert [m["index"] for m in pictures] == [0, 1, 2] and all(m["count"] == 3 for m in pictures)
    assert kinds.index("generation.image") < kinds.index("generation.succeeded")
    seeds = list(generation.images.order_by("index").values_list("seed", flat=True))
    assert [m["seed"] for m in pictures] == seeds
    for m in pictures:
        assert (m["width"], m["height"]) == (384, 256) and m["id"] == str(generation.public_id)
        head, data = m["preview"].split(",", 1)
        assert head == "data:image/webp;base64"
        with Image.open(io.BytesIO(base64.b64decode(data))) as preview:
            assert preview.format == "WEBP" and max(preview.size) <= jobs.PREVIEW_SIDE
            assert preview.size == (128, 85)  # the picture's aspect ratio
        assert len(data) < 20_000
    saving = [m["fraction"] for m in sent if m["type"] == "generation.progress" and m["stage"] == "saving"]
    # Saving is the second half of the bar, moving per picture (within a stage the reporter sends
    # at most ~20 events a second, so a fast run may skip a step; `generation.image` never does).
    assert saving == sorted(saving) and saving[-1] == 1.0 and 0.5 <= saving[0] < 0.7

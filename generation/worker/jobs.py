"""Run one generation job: claim it, run the engine, report progress, store the images, finish.

Runs in the worker process. Every state change is a conditional update (`UPDATE … WHERE status =
… AND worker = …`), so a job taken over by another worker (after this one was presumed dead) is
never finished twice.
"""

from __future__ import annotations

import base64
import io
import logging
import time
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from generation import events
from generation.engine import (
    EngineError,
    GeneratedImage,
    GenerationCanceled,
    TransientEngineError,
    encode_png,
)
from generation.models import Generation, GenerationImage
from generation.owners import Owner, owner_of_generation
from generation.queue import queue_publish_positions
from generation.schema import engine_request
from generation.studio_worker import interpolation_files, lineage_settings, studio_upload_of
from generation.worker.engines import engine_for
from generation.worker.identity import public_worker_name

logger = logging.getLogger(__name__)

# Where each engine stage sits on the job's overall progress bar, in proportion to the time it
# takes: the engine draws a batch in a fraction of a second, while encoding and writing each
# full-size PNG (and its thumbnail) is most of a big job, so saving gets half of the bar and
# moves one step per picture.
STAGE_SPAN = {
    # An uploaded picture's inversion comes first and takes most of the time; the stages after it
    # report once they pass it (the bar never goes back).
    "inverting": (0.0, 0.4),
    "encoding": (0.0, 0.05),
    "generating": (0.05, 0.4),
    "selecting": (0.4, 0.45),
    "upscaling": (0.45, 0.5),
    "saving": (0.5, 1.0),
}
# The preview sent with each `generation.image` event (a data URL small enough for the socket).
PREVIEW_SIDE = 128

# Generations this process is running right now, kept alive by the heartbeat (worker.liveness).
running: set[int] = set()


class Requeue(Protocol):
    """Puts a job's task back on the queue, inside the caller's transaction (generation.tasks)."""

    def __call__(self, generation: Generation, *, delay: float = 0) -> None: ...


def generation_run(*, generation_id: int, worker_id: str, requeue: Requeue) -> str:
    """Run one job. The engine is loaded once per process (worker.engines).

    Returns the final status. A job that is no longer queued (canceled, or taken over after this
    worker was presumed dead) is left alone ("skipped"). A transient engine error puts the job
    back on the queue through `requeue`, until the last attempt.
    """
    now = timezone.now()
    claimed = Generation.objects.filter(pk=generation_id, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING,
        worker=worker_id,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        stage="",
        progress=0.0,
        position=None,
        error="",
        error_code="",
    )
    if not claimed:
        return "skipped"
    generation = Generation.objects.select_related("model").get(pk=generation_id)
    owner = owner_of_generation(generation)
    gid = str(generation.public_id)
    running.add(generation.pk)
    try:
        events.publish(owner.group, {"type": "generation.started", "id": gid, "worker": public_worker_name(worker_id)})
        queue_publish_positions()
        progress = _ProgressReporter(generation, owner)

        def should_cancel() -> bool:
            return Generation.objects.filter(pk=generation.pk, cancel_requested=True).exists()

        try:
            engine = engine_for(generation.model)
            upload = studio_upload_of(generation)
            if upload is not None:
                results = engine.restyle_upload(
                    engine_request(generation), upload, on_progress=progress, should_cancel=should_cancel
                )
            else:
                results = engine.generate(engine_request(generation), on_progress=progress, should_cancel=should_cancel)
            if should_cancel():
                raise GenerationCanceled("canceled")
            progress("saving", 0.0)
            images = _store_images(generation, results, progress)
            if generation.options.get("frames"):
                _store_animation(generation, results)
        except GenerationCanceled:
            return _finish(generation, owner, worker_id, Generation.Status.CANCELED)
        except TransientEngineError as exc:
            return _retry_or_fail(generation, owner, worker_id, str(exc), code="transient", requeue=requeue)
        except EngineError as exc:
            logger.warning("generation %s failed in the engine (%s): %s", gid, exc.code, exc)
            return _finish(generation, owner, worker_id, Generation.Status.FAILED, error=str(exc), code=exc.code)
        except Exception:
            logger.exception("generation %s failed", gid)
            return _finish(
                generation,
                owner,
                worker_id,
                Generation.Status.FAILED,
                error=_("The picture could not be made because of an internal error. Try again."),
                code="internal",
            )
        return _finish(generation, owner, worker_id, Generation.Status.SUCCEEDED, images=images)
    finally:
        running.discard(generation.pk)


class _ProgressReporter:
    """Maps engine stages onto one monotonic bar; writes the row and pushes an event per step."""

    def __init__(self, generation: Generation, owner: Owner) -> None:
        self.generation = generation
        self.owner = owner
        self.last_sent = 0.0
        self.last_value = -1.0

    def __call__(self, stage: str, fraction: float) -> None:
        start, end = STAGE_SPAN.get(stage, (0.0, 1.0))
        value = round(start + (end - start) * max(0.0, min(1.0, fraction)), 4)
        if value <= self.last_value:
            return
        now = time.monotonic()
        # Stage changes always go out; within a stage, at most ~20 events a second.
        if stage == self.generation.stage and now - self.last_sent < 0.05 and fraction < 1.0:
            return
        self.last_value, self.last_sent = value, now
        self.generation.stage = stage
        Generation.objects.filter(pk=self.generation.pk).update(
            stage=stage, progress=value, heartbeat_at=timezone.now()
        )
        events.publish(
            self.owner.group,
            {"type": "generation.progress", "id": str(self.generation.public_id), "stage": stage, "fraction": value},
        )


def _store_images(
    generation: Generation, results: list[GeneratedImage], progress: _ProgressReporter
) -> list[GenerationImage]:
    stored = []
    folder = f"generations/{generation.public_id.hex}"
    for index, result in enumerate(results):
        settings_ = {**result.settings, **lineage_settings(generation)}
        png = encode_png(result.image, settings_)
        thumb = io.BytesIO()
        preview = result.image.copy()
        preview.thumbnail((384, 384))
        preview.save(thumb, format="WEBP", quality=82, method=4)
        file_name = default_storage.save(f"{folder}/{index}-{result.seed}.png", ContentFile(png))
        thumb_name = default_storage.save(f"{folder}/{index}-{result.seed}.webp", ContentFile(thumb.getvalue()))
        stored.append(
            GenerationImage(
                generation=generation,
                index=index,
                seed=result.seed,
                file=file_name,
                thumbnail=thumb_name,
                width=result.image.width,
                height=result.image.height,
                clip_score=result.clip_score,
                settings=settings_,
            )
        )
        progress("saving", (index + 1) / len(results))
        events.publish(progress.owner.group, _image_ready_event(generation, index, len(results), result))
    return stored


def _image_ready_event(generation: Generation, index: int, count: int, result: GeneratedImage) -> dict[str, Any]:
    """`generation.image`: picture `index` of `count` is made; its placeholder shows a small preview.

    The picture has no file URL yet (its row is written with the job's outcome), so the event
    carries a WebP preview of a few KB as a data URL; `generation.succeeded` brings the files."""
    preview = result.image.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    buffer = io.BytesIO()
    preview.save(buffer, format="WEBP", quality=60, method=0)
    return {
        "type": "generation.image",
        "id": str(generation.public_id),
        "index": index,
        "count": count,
        "seed": result.seed,
        "width": result.image.width,
        "height": result.image.height,
        "preview": "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"),
    }


def _store_animation(generation: Generation, results: list[GeneratedImage]) -> None:
    """An interpolation's frames side by side (PNG) and as an animated WebP (looping there and back)."""
    folder = f"generations/{generation.public_id.hex}"
    frames = [result.image for result in results]
    strip, webp = interpolation_files(frames)
    generation.strip.name = default_storage.save(f"{folder}/strip.png", ContentFile(strip))
    generation.animation.name = default_storage.save(f"{folder}/animation.webp", ContentFile(webp))
    Generation.objects.filter(pk=generation.pk).update(strip=generation.strip.name, animation=generation.animation.name)


def _finish(
    generation: Generation,
    owner: Owner,
    worker_id: str,
    status: str,
    *,
    error: str = "",
    code: str = "",
    images: list[GenerationImage] | None = None,
) -> str:
    """Record the outcome, but only if this worker still owns the job."""
    with transaction.atomic():
        done = Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING, worker=worker_id).update(
            status=status,
            finished_at=timezone.now(),
            error=error,
            error_code=code,
            progress=1.0 if status == Generation.Status.SUCCEEDED else F("progress"),
            stage="",
        )
        if done and images:
            GenerationImage.objects.bulk_create(images)
    if not done:
        names = [name for image in images or [] for name in (image.file.name, image.thumbnail.name)]
        if not Generation.objects.filter(pk=generation.pk).exists():
            # Deleted while it ran (its owner deleted their account): the strip and animation
            # were stored for a row that is gone, so nothing else would ever remove them.
            names += [generation.strip.name, generation.animation.name]
        for name in names:
            if name:
                default_storage.delete(name)
        return "lost"
    gid = str(generation.public_id)
    if status == Generation.Status.SUCCEEDED:
        saved = GenerationImage.objects.filter(generation=generation).order_by("index")
        events.publish(
            owner.group, {"type": "generation.succeeded", "id": gid, "images": [image_event(i) for i in saved]}
        )
    elif status == Generation.Status.CANCELED:
        events.publish(owner.group, {"type": "generation.canceled", "id": gid})
    else:
        # The event carries the reason worded from its code (never the worker's own text, which may
        # name server files); the page asks the API for it in the reader's language.
        generation.refresh_from_db(fields=["status", "error", "error_code", "attempts"])
        events.publish(
            owner.group, {"type": "generation.failed", "id": gid, "error": generation.error_message, "code": code}
        )
    return status


def image_event(image: GenerationImage) -> dict[str, Any]:
    """One image of a `generation.succeeded` event (docs/architecture.md lists the fields)."""
    return {
        "id": str(image.public_id),
        "url": image.get_file_url(),
        "thumb_url": image.get_thumb_url(),
        "width": image.width,
        "height": image.height,
        "seed": image.seed,
        "clip_score": image.clip_score,
    }


def _retry_or_fail(
    generation: Generation, owner: Owner, worker_id: str, reason: str, *, code: str, requeue: Requeue
) -> str:
    generation.refresh_from_db(fields=["attempts"])
    if generation.attempts >= settings.GENERATION_MAX_ATTEMPTS:
        return _finish(
            generation,
            owner,
            worker_id,
            Generation.Status.FAILED,
            error=_("The picture could not be made after %(n)d attempts: %(reason)s")
            % {"n": generation.attempts, "reason": reason},
            code=code,
        )
    delay = settings.GENERATION_RETRY_BACKOFF_SECONDS * (2 ** (generation.attempts - 1))
    with transaction.atomic():
        requeued = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, worker=worker_id
        ).update(status=Generation.Status.QUEUED, worker="", stage="", progress=0.0, error=reason, error_code=code)
        if requeued:
            requeue(generation, delay=delay)
    if requeued:
        logger.warning("generation %s: %s; retrying in %.1fs", generation.public_id, reason, delay)
        queue_publish_positions()
        return Generation.Status.QUEUED
    return "lost"

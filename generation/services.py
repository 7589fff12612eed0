"""Writes for generation jobs. Views, the API, consumers, tasks and commands call these."""

from __future__ import annotations

import io
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from generation import events, selectors
from generation.models import Generation, GenerationImage, GeneratorModel
from generation.owners import Owner

logger = logging.getLogger(__name__)

# Where each engine stage sits on the job's overall progress bar.
STAGE_SPAN = {
    "encoding": (0.0, 0.1),
    "generating": (0.1, 0.7),
    "selecting": (0.7, 0.8),
    "upscaling": (0.8, 0.9),
    "saving": (0.9, 1.0),
}


class GenerationError(Exception):
    """A request the service refuses; `field` names the input at fault, if one is."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RateLimited(GenerationError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class AlreadyFinished(GenerationError):
    code = "finished"


@dataclass(frozen=True)
class GenerationSpec:
    """A validated request (the API serializer checks ranges; the service checks the rest)."""

    prompt: str
    model: str | None = None
    width: int = 512
    height: int = 512
    n: int = 1
    seed: int | None = None
    style: str = ""
    negative_prompt: str = ""
    style_strength: float = 1.0
    truncation: float = 1.0
    candidates: int = 1


# --- models --------------------------------------------------------------------------------


def models_register_from_disk() -> list[GeneratorModel]:
    """Upsert a GeneratorModel for each package under MODELS_DIR; packages that vanished are disabled."""
    from generation.engine import list_models

    manifests = list_models(settings.MODELS_DIR)
    seen = []
    for manifest in manifests:
        width, height = manifest.native_size
        row, created = GeneratorModel.objects.update_or_create(
            name=manifest.name,
            defaults={
                "category": manifest.category,
                "description": manifest.description[:300],
                "native_width": width,
                "native_height": height,
                "trained": manifest.trained,
                "path": str(manifest.path),
            },
        )
        seen.append(row)
    GeneratorModel.objects.exclude(name__in=[m.name for m in seen]).update(enabled=False)
    # The configured default when it is installed; else keep the current one; else prefer trained.
    default = next((m for m in seen if m.name == settings.DEFAULT_MODEL), None)
    if default is None and seen and not GeneratorModel.objects.filter(is_default=True, enabled=True).exists():
        default = sorted(seen, key=lambda m: (not m.trained, m.name))[0]
    if default is not None:
        GeneratorModel.objects.exclude(pk=default.pk).update(is_default=False)
        GeneratorModel.objects.filter(pk=default.pk).update(is_default=True)
    return seen


# --- create / cancel -----------------------------------------------------------------------


def _check_rate_limits(*, owner: Owner, client_ip: str | None) -> None:
    limits = settings.RATE_LIMITS
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    scopes: list[tuple[str, Any]] = [("guest" if owner.is_guest else "user", owner.q())]
    if client_ip:
        scopes.append(("ip", Q(client_ip=client_ip)))
    for scope, q in scopes:
        rows = Generation.objects.filter(q)
        if rows.filter(status__in=Generation.ACTIVE).count() >= limits[scope]["concurrent"]:
            raise RateLimited(
                _("You already have %(n)d pictures in progress. Wait for one to finish, then try again.")
                % {"n": limits[scope]["concurrent"]},
                retry_after=5,
            )
        recent = rows.filter(created_at__gte=hour_ago)
        if recent.count() >= limits[scope]["hourly"]:
            oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
            wait = (oldest + timedelta(hours=1) - now).total_seconds() if oldest else 60
            raise RateLimited(
                _("Hourly limit of %(n)d pictures reached. Try again in %(minutes)d minutes.")
                % {"n": limits[scope]["hourly"], "minutes": max(1, round(wait / 60))},
                retry_after=int(wait) + 1,
            )


def generation_create(
    *, owner: Owner, spec: GenerationSpec, client_ip: str | None = None, priority: int = 0, extra: dict | None = None
) -> Generation:
    """Validate, rate-limit, store a queued Generation and enqueue its task in one transaction."""
    from generation.engine import STYLES

    prompt = spec.prompt.strip()
    if not prompt:
        raise GenerationError(_("Write a prompt: describe the picture you want."), field="prompt")
    if spec.style and spec.style not in STYLES:
        raise GenerationError(_("Unknown style “%(style)s”.") % {"style": spec.style}, field="style")
    model = selectors.model_for(spec.model)
    if model is None:
        raise GenerationError(
            _("Model “%(name)s” is not available. Pick one from the list.") % {"name": spec.model or ""},
            field="model",
        )
    blocked = selectors.prompt_blocked_term(prompt + " " + spec.negative_prompt)
    if blocked:
        raise GenerationError(
            _("The prompt contains a term this site does not allow (“%(term)s”). Rephrase it and try again.")
            % {"term": blocked},
            field="prompt",
        )
    _check_rate_limits(owner=owner, client_ip=client_ip)

    seed = spec.seed if spec.seed is not None else random.SystemRandom().randrange(0, 2**32)
    options = {
        "negative_prompt": spec.negative_prompt.strip(),
        "style_strength": spec.style_strength,
        "truncation": spec.truncation,
        "candidates": spec.candidates,
        **(extra or {}),
    }
    with transaction.atomic():
        generation = Generation(
            **owner.fields(),
            client_ip=client_ip,
            prompt=prompt,
            model=model,
            width=spec.width,
            height=spec.height,
            n=spec.n,
            seed=seed,
            style=spec.style,
            options=options,
            priority=priority,
        )
        generation.full_clean()
        generation.save()
        _enqueue(generation)
    queue_publish_positions()
    generation.refresh_from_db()
    return generation


def _enqueue(generation: Generation, *, delay: float = 0) -> None:
    """Put the job's task on the queue. Call inside the transaction that wrote the row."""
    from generation.tasks import run_generation

    task = run_generation.using(priority=max(-100, min(100, generation.priority)))
    if delay:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    result = task.enqueue(generation_id=generation.pk)
    Generation.objects.filter(pk=generation.pk).update(task_id=str(result.id))


def generation_cancel(*, generation: Generation) -> Generation:
    """Cancel a queued job at once; ask a running job to stop at its next stage."""
    if Generation.objects.filter(pk=generation.pk, status=Generation.Status.QUEUED).update(
        status=Generation.Status.CANCELED, finished_at=timezone.now(), position=None
    ):
        events.publish(generation_owner(generation).group, {"type": "generation.canceled", "id": str(generation.public_id)})
        queue_publish_positions()
    elif Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING).update(cancel_requested=True):
        pass
    else:
        generation.refresh_from_db()
        if generation.status != Generation.Status.CANCELED:
            raise AlreadyFinished(_("This job has already finished."))
    generation.refresh_from_db()
    return generation


def generation_owner(generation: Generation) -> Owner:
    if generation.user_id is not None:
        return Owner(user_id=generation.user_id)
    return Owner(guest_key=generation.guest_key)


def queue_publish_positions() -> None:
    """Recompute queue positions and push a `generation.queued` event to each job whose changed."""
    queued = list(
        Generation.objects.filter(status=Generation.Status.QUEUED)
        .order_by("-priority", "created_at", "id")
        .values("id", "public_id", "user_id", "guest_key", "position")
    )
    total = len(queued)
    for position, row in enumerate(queued, start=1):
        if row["position"] == position:
            continue
        if Generation.objects.filter(pk=row["id"], status=Generation.Status.QUEUED).update(position=position):
            owner = Owner(user_id=row["user_id"]) if row["user_id"] else Owner(guest_key=row["guest_key"])
            events.publish(
                owner.group,
                {
                    "type": "generation.queued",
                    "id": str(row["public_id"]),
                    "position": position,
                    "queue_length": total,
                },
            )


# --- running (worker process) ------------------------------------------------------------


def generation_run(*, generation_id: int, worker_id: str) -> str:
    """Run one job. Runs in the worker process; the engine is loaded once per process.

    Returns the final status. A job that is no longer queued (canceled, or taken over after this
    worker was presumed dead) is left alone.
    """
    from generation import runtime
    from generation.engine import (
        EngineError,
        GenerationCanceled,
        GenerationRequest,
        TransientEngineError,
    )

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
    owner = generation_owner(generation)
    gid = str(generation.public_id)
    runtime.current_jobs.add(generation.pk)
    try:
        events.publish(owner.group, {"type": "generation.started", "id": gid, "worker": runtime.public_worker_name(worker_id)})
        queue_publish_positions()
        progress = _ProgressReporter(generation, owner)

        def should_cancel() -> bool:
            return Generation.objects.filter(pk=generation.pk, cancel_requested=True).exists()

        try:
            engine = runtime.engine_for(generation.model)
            request = GenerationRequest(
                prompt=generation.prompt,
                width=generation.width,
                height=generation.height,
                n=generation.n,
                seed=generation.seed,
                style=generation.style or None,
                style_strength=generation.options.get("style_strength", 1.0),
                negative_prompt=generation.options.get("negative_prompt", ""),
                truncation=generation.options.get("truncation", 1.0),
                candidates=generation.options.get("candidates", 1),
            )
            results = engine.generate(request, on_progress=progress, should_cancel=should_cancel)
            if should_cancel():
                raise GenerationCanceled("canceled")
            progress("saving", 0.0)
            images = _store_images(generation, results, progress)
        except GenerationCanceled:
            return _finish(generation, owner, worker_id, Generation.Status.CANCELED)
        except TransientEngineError as exc:
            return _retry_or_fail(generation, owner, worker_id, str(exc), code="transient")
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
        runtime.current_jobs.discard(generation.pk)


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
        Generation.objects.filter(pk=self.generation.pk).update(stage=stage, progress=value, heartbeat_at=timezone.now())
        events.publish(
            self.owner.group,
            {"type": "generation.progress", "id": str(self.generation.public_id), "stage": stage, "fraction": value},
        )


def _store_images(generation: Generation, results: list[Any], progress: _ProgressReporter) -> list[GenerationImage]:
    from generation.engine import encode_png

    stored = []
    folder = f"generations/{generation.public_id.hex}"
    for index, result in enumerate(results):
        settings_ = dict(result.settings)
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
    return stored


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
        for image in images or []:
            default_storage.delete(image.file.name)
            default_storage.delete(image.thumbnail.name)
        return "lost"
    gid = str(generation.public_id)
    if status == Generation.Status.SUCCEEDED:
        saved = GenerationImage.objects.filter(generation=generation).order_by("index")
        events.publish(owner.group, {"type": "generation.succeeded", "id": gid, "images": [image_event(i) for i in saved]})
    elif status == Generation.Status.CANCELED:
        events.publish(owner.group, {"type": "generation.canceled", "id": gid})
    else:
        # The event carries the reason worded from its code (never the worker's own text, which may
        # name server files); the page asks the API for it in the reader's language.
        generation.refresh_from_db(fields=["status", "error", "error_code", "attempts"])
        events.publish(owner.group, {"type": "generation.failed", "id": gid, "error": generation.error_message, "code": code})
    return status


def image_event(image: GenerationImage) -> dict[str, Any]:
    return {
        "id": str(image.public_id),
        "url": image.get_file_url(),
        "thumb_url": image.get_thumb_url(),
        "width": image.width,
        "height": image.height,
        "seed": image.seed,
        "clip_score": image.clip_score,
    }


def _retry_or_fail(generation: Generation, owner: Owner, worker_id: str, reason: str, *, code: str) -> str:
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
        requeued = Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING, worker=worker_id).update(
            status=Generation.Status.QUEUED, worker="", stage="", progress=0.0, error=reason, error_code=code
        )
        if requeued:
            _enqueue(generation, delay=delay)
    if requeued:
        logger.warning("generation %s: %s; retrying in %.1fs", generation.public_id, reason, delay)
        queue_publish_positions()
        return Generation.Status.QUEUED
    return "lost"


def generation_heartbeat(*, worker_id: str, generation_ids: set[int]) -> None:
    if generation_ids:
        Generation.objects.filter(pk__in=generation_ids, worker=worker_id, status=Generation.Status.RUNNING).update(
            heartbeat_at=timezone.now()
        )


def generation_reap_stale() -> int:
    """Retry (or fail, after the last attempt) running jobs whose worker stopped beating.

    Safe to run from every worker at once: each row moves only by a conditional update.
    """
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    reaped = 0
    stale = Generation.objects.filter(status=Generation.Status.RUNNING, heartbeat_at__lt=cutoff)
    for generation in stale:
        same = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING, worker=generation.worker, heartbeat_at=generation.heartbeat_at
        )
        reason = _("The worker running this job stopped responding.")
        owner = generation_owner(generation)
        with transaction.atomic():
            if generation.attempts >= settings.GENERATION_MAX_ATTEMPTS:
                moved = same.update(
                    status=Generation.Status.FAILED,
                    finished_at=timezone.now(),
                    error=_("%(reason)s Gave up after %(n)d attempts.") % {"reason": reason, "n": generation.attempts},
                    error_code="worker_lost",
                )
            else:
                moved = same.update(
                    status=Generation.Status.QUEUED,
                    worker="",
                    stage="",
                    progress=0.0,
                    error=reason,
                    error_code="worker_lost",
                )
                if moved:
                    _enqueue(generation)
            if moved and generation.task_id:
                # The dead worker's task row would otherwise stay RUNNING forever.
                DBTaskResult.objects.filter(id=generation.task_id, status="RUNNING").update(
                    status="FAILED", finished_at=timezone.now()
                )
        if moved:
            reaped += 1
            generation.refresh_from_db()
            if generation.status == Generation.Status.FAILED:
                events.publish(
                    owner.group,
                    {"type": "generation.failed", "id": str(generation.public_id), "error": generation.error, "code": "worker_lost"},
                )
    if reaped:
        queue_publish_positions()
    return reaped


def generation_requeue(*, generation: Generation) -> Generation:
    """Put a failed or canceled job back on the queue (an admin action)."""
    with transaction.atomic():
        moved = Generation.objects.filter(
            pk=generation.pk, status__in=[Generation.Status.FAILED, Generation.Status.CANCELED]
        ).update(
            status=Generation.Status.QUEUED,
            attempts=0,
            error="",
            error_code="",
            cancel_requested=False,
            finished_at=None,
            stage="",
            progress=0.0,
            position=None,
        )
        if not moved:
            raise AlreadyFinished(_("Only failed or canceled jobs can be requeued."))
        _enqueue(generation)
    queue_publish_positions()
    generation.refresh_from_db()
    return generation

"""Writes for generation jobs, on the web side: register models, create, cancel, requeue, adopt.

Views, the API, admin actions and commands call these. Running a job is the worker's
(generation.worker); a service never reads worker state.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from generation import events, selectors
from generation.engine import MAX_SEED, GenerationRequest, InvalidRequest, list_models
from generation.models import Generation, GeneratorModel, QuotaSlot
from generation.owners import Owner, owner_of_generation
from generation.queue import queue_publish_positions
from generation.schema import GenerationSpec, options_of
from generation.tasks import generation_enqueue
from instantpainting.errors import RateLimited, ServiceError

__all__ = [
    "GenerationError",
    "AlreadyFinished",
    "RateLimited",
    "GenerationSpec",
    "models_register_from_disk",
    "generation_create",
    "generation_cancel",
    "generation_requeue",
    "generations_adopt_guest",
]


class GenerationError(ServiceError):
    """A generation request the service refuses (400); `field` names the input at fault."""


class AlreadyFinished(GenerationError):
    status = 409
    code = "finished"


# --- models --------------------------------------------------------------------------------


def models_register_from_disk() -> list[GeneratorModel]:
    """Upsert a GeneratorModel for each package under MODELS_DIR; packages that vanished are disabled."""
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


QUOTA_SLOTS = 1024


def _lock_quotas(keys: Iterable[str]) -> None:
    """Lock the slot rows of these quota keys until the transaction ends (in slot order, so two
    requests never wait for each other crosswise). On SQLite the IMMEDIATE transaction has already
    serialised writers and FOR UPDATE is left out."""
    slots = sorted({zlib.crc32(key.encode()) % QUOTA_SLOTS for key in keys})
    QuotaSlot.objects.bulk_create([QuotaSlot(id=slot) for slot in slots], ignore_conflicts=True)
    list(QuotaSlot.objects.select_for_update().filter(id__in=slots).order_by("id").values_list("id", flat=True))


def _check_queue_cap() -> None:
    """Backpressure: past QUEUE_MAX_QUEUED waiting jobs, new ones are refused until it drains.

    Not under a lock (one lock for every request would serialise all of them): racing requests
    may pass it by a few, the per-owner limits stay exact."""
    cap = settings.QUEUE_MAX_QUEUED
    if not cap:
        return
    queued = Generation.objects.filter(status=Generation.Status.QUEUED).count()
    if queued < cap:
        return
    # Wait about as long as the workers need to take the excess, at last minute's pace.
    done = Generation.objects.filter(finished_at__gte=timezone.now() - timedelta(minutes=1)).count()
    wait = 30 if not done else min(300, max(1, round((queued - cap + 1) * 60 / done)))
    raise RateLimited(
        _("The server is busy: %(n)d pictures are waiting. Try again in %(s)d seconds.") % {"n": queued, "s": wait},
        retry_after=wait,
    )


def _check_rate_limits(*, owner: Owner, client_ip: str | None) -> None:
    """Refuse a job over the owner's or the address's limits. The caller is in a transaction:
    the limits' rows stay locked until the new job is written (services.generation_create)."""
    limits = settings.RATE_LIMITS
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    scopes: list[tuple[str, Q]] = [("guest" if owner.is_guest else "user", owner.q())]
    if client_ip:
        scopes.append(("ip", Q(client_ip=client_ip)))
    _lock_quotas([owner.group] + ([f"ip.{client_ip}"] if client_ip else []))
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
    *,
    owner: Owner,
    spec: GenerationSpec,
    client_ip: str | None = None,
    priority: int = 0,
    extra: dict[str, Any] | None = None,
) -> Generation:
    """Check, rate-limit, store a queued Generation and enqueue its task in one transaction.

    The request is checked by the engine's own rules (the limits the API serializer derives
    from); the service adds what only the site knows: the model, the blocklist, the rate limits.
    """
    request = GenerationRequest(**{**spec.engine_fields(), "prompt": spec.prompt.strip()})
    try:
        request.validate()
    except InvalidRequest as exc:
        raise GenerationError(exc.message, field=exc.field) from exc
    model = selectors.model_for(spec.model)
    if model is None:
        raise GenerationError(
            _("Model “%(name)s” is not available. Pick one from the list.") % {"name": spec.model or ""},
            field="model",
        )
    blocked = selectors.prompt_blocked_term(request.prompt + " " + request.negative_prompt)
    if blocked:
        raise GenerationError(
            _("The prompt contains a term this site does not allow (“%(term)s”). Rephrase it and try again.")
            % {"term": blocked},
            field="prompt",
        )
    _check_queue_cap()

    seed = request.seed if request.seed is not None else random.SystemRandom().randrange(0, MAX_SEED + 1)
    with transaction.atomic():
        # Counted and written in one transaction, under the limits' locks: requests sent at once
        # cannot all pass a limit that only one of them fits under.
        _check_rate_limits(owner=owner, client_ip=client_ip)
        generation = Generation(
            **owner.fields(),
            client_ip=client_ip,
            prompt=request.prompt,
            model=model,
            width=request.width,
            height=request.height,
            n=request.n,
            seed=seed,
            style=request.style or "",
            options={**options_of(request), **(extra or {})},
            priority=priority,
        )
        generation.full_clean()
        generation.save()
        generation_enqueue(generation)
    queue_publish_positions()
    generation.refresh_from_db()
    return generation


def generation_cancel(*, generation: Generation) -> Generation:
    """Cancel a queued job at once; ask a running job to stop at its next stage."""
    if Generation.objects.filter(pk=generation.pk, status=Generation.Status.QUEUED).update(
        status=Generation.Status.CANCELED, finished_at=timezone.now(), position=None
    ):
        events.publish(
            owner_of_generation(generation).group, {"type": "generation.canceled", "id": str(generation.public_id)}
        )
        queue_publish_positions()
    elif Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING).update(cancel_requested=True):
        pass
    else:
        generation.refresh_from_db()
        if generation.status != Generation.Status.CANCELED:
            raise AlreadyFinished(_("This job has already finished."))
    generation.refresh_from_db()
    return generation


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
        generation_enqueue(generation)
    queue_publish_positions()
    generation.refresh_from_db()
    return generation


def generations_adopt_guest(*, user: Any, guest_key: str) -> int:
    """Move a guest's jobs (those with this key and no user) to `user`. Returns how many moved."""
    if not guest_key or user is None or not user.is_authenticated:
        return 0
    return Generation.objects.filter(user__isnull=True, guest_key=guest_key).update(user=user, guest_key="")

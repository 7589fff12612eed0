from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from generation.engine.request import REQUEST_FIELDS, FieldSpec

MODEL_NAME_MAX_LENGTH = 64


def _range(spec: FieldSpec) -> Q:
    """`minimum <= field <= maximum` for a request field stored in its own column."""
    return Q(**{f"{spec.name}__gte": spec.minimum, f"{spec.name}__lte": spec.maximum})


class GeneratorModel(models.Model):
    """A model package found in MODELS_DIR, registered so the admin can enable or disable it."""

    name = models.SlugField(_("name"), max_length=MODEL_NAME_MAX_LENGTH, unique=True)
    category = models.CharField(_("category"), max_length=32, default="general")
    description = models.CharField(_("description"), max_length=300, blank=True)
    native_width = models.PositiveIntegerField(_("native width"))
    native_height = models.PositiveIntegerField(_("native height"))
    trained = models.BooleanField(_("trained"), default=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    path = models.CharField(_("package folder"), max_length=500)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-trained", "category", "name"]
        verbose_name = _("generator model")
        verbose_name_plural = _("generator models")

    def __str__(self) -> str:
        return self.name


class Generation(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Owner is a user or, for guests, a random key kept in their session (not the session key,
    # which Django rotates at login).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="generations"
    )
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    prompt = models.TextField(_("prompt"))
    model = models.ForeignKey(GeneratorModel, on_delete=models.PROTECT, related_name="generations")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    n = models.PositiveSmallIntegerField(default=1)
    seed = models.BigIntegerField()
    style = models.CharField(max_length=40, blank=True)
    # negative_prompt, style_strength, truncation, candidates, remix source …
    options = models.JSONField(default=dict, blank=True)
    priority = models.SmallIntegerField(default=0)

    position = models.PositiveIntegerField(null=True, blank=True)
    stage = models.CharField(max_length=16, blank=True)
    progress = models.FloatField(default=0.0)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    # An interpolation's frames side by side and as an animated WebP (empty for other jobs).
    strip = models.FileField(upload_to="generations/", max_length=300, blank=True)
    animation = models.FileField(upload_to="generations/", max_length=300, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "-priority", "created_at"]),
            # The per-address limits count an address's recent and active jobs on every create.
            models.Index(fields=["client_ip", "created_at"], name="generation_ip_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(guest_key=""), name="generation_has_owner"),
            # The request's limits (generation.engine.request), restated as the database sees them.
            *(
                models.CheckConstraint(condition=_range(REQUEST_FIELDS[name]), name=f"generation_{name}_range")
                for name in ("width", "height", "n", "seed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("generation:detail", args=[self.public_id])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def progress_percent(self) -> int:
        return round(100 * min(1.0, max(0.0, self.progress)))

    # What the reader is told for each error code, in their language. The worker's own text
    # stays in `error` for the operator (admin, logs): an engine message names files and devices
    # on the server, which a visitor must not see.
    ERROR_REASONS = {
        "internal": _("The picture could not be made because of an internal error. Try again."),
        "worker_lost": _("The worker running this job stopped responding."),
        "transient": _("The server was too busy to make the picture. Try again in a moment."),
        "model_not_found": _(
            "This job's model is no longer installed on the server. Pick another model and try again."
        ),
        "manifest_invalid": _(
            "This model's files on the server are damaged, so it cannot make pictures. Pick another model."
        ),
        "weights_missing": _(
            "This model's files on the server are missing, so it cannot make pictures. Pick another model."
        ),
        "weights_corrupt": _(
            "This model's files on the server are damaged, so it cannot make pictures. Pick another model."
        ),
        "invalid": _("The model cannot use one of this job's settings. Change them and try again."),
        "engine": _("The model could not make this picture. Try again, or pick another model."),
    }
    RETRIED = ("worker_lost", "transient")  # codes a job is put back on the queue for

    @property
    def error_message(self) -> str:
        """The failure reason in the reader's language, worded from `error_code`; a job that was
        retried until it gave up says how often it was tried."""
        reason = self.ERROR_REASONS.get(self.error_code)
        if reason is None:
            return self.error if not self.error_code else str(self.ERROR_REASONS["engine"])
        if self.error_code in self.RETRIED and self.status == self.Status.FAILED:
            return gettext("%(reason)s Gave up after %(n)d attempts.") % {"reason": reason, "n": self.attempts}
        return str(reason)


class GenerationImage(models.Model):
    """One picture of a generation. Its files are served by a permission-checked view."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="images")
    index = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    file = models.FileField(upload_to="generations/", max_length=300)
    thumbnail = models.FileField(upload_to="generations/", max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    clip_score = models.FloatField(null=True, blank=True)
    settings = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["generation", "index"]
        constraints = [models.UniqueConstraint(fields=["generation", "index"], name="image_index_unique")]

    def __str__(self) -> str:
        return f"{self.generation.public_id}#{self.index}"

    def get_file_url(self) -> str:
        return reverse("generation:image-file", args=[self.public_id])

    def get_thumb_url(self) -> str:
        return reverse("generation:image-thumb", args=[self.public_id])


class BlockedTerm(models.Model):
    """A word or phrase that moderators do not allow in prompts (edited in the admin)."""

    term = models.CharField(_("term"), max_length=100, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("blocked prompt term")
        verbose_name_plural = _("blocked prompt terms")

    def __str__(self) -> str:
        return self.term


class QuotaSlot(models.Model):
    """A row to lock while counting one owner's or address's jobs (generation.services).

    Limits are "count, then insert"; without a lock, requests sent at once all count the same
    total and all pass. Keys hash onto a fixed number of slots, so the table never grows; two keys
    that share a slot only wait for each other, their counts stay their own.
    """

    id = models.PositiveIntegerField(primary_key=True)

    class Meta:
        verbose_name = "quota slot"


class Upload(models.Model):
    """A picture a person uploaded to restyle. Private to its owner: only they can see it or use
    it as a source; its file is a re-encoded PNG (nothing the person sent is served back)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    guest_key = models.CharField(max_length=64, blank=True, db_index=True)
    file = models.FileField(upload_to="uploads/", max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(guest_key=""), name="upload_has_owner")
        ]

    def __str__(self) -> str:
        return str(self.public_id)

    def get_file_url(self) -> str:
        return reverse("generation:upload-file", args=[self.public_id])

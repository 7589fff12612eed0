"""Serving stored media after a view has checked who may see it."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase


def serve_stored_file(
    name: str | None, *, content_type: str, cache_control: str, download_name: str | None = None
) -> HttpResponseBase:
    """Stream `name` from the default storage; on S3, redirect to a presigned, expiring URL.

    Callers do the permission check first: there is no public media URL to bypass it.
    """
    if not name:
        raise Http404
    if settings.S3_BUCKET:
        return HttpResponseRedirect(default_storage.url(name))
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=content_type, as_attachment=bool(download_name), filename=download_name or ""
    )
    response["Cache-Control"] = cache_control
    return response


def delete_stored_files_on_commit(names: list[str]) -> None:
    """Delete these storage names once the current transaction commits (at once outside one).

    After the commit, so a rolled-back delete never leaves rows that point at missing files;
    a name that is already gone is no error (Storage.delete ignores it on disk and on S3).
    """
    wanted = sorted({name for name in names if name})
    if not wanted:
        return

    def remove() -> None:
        for name in wanted:
            default_storage.delete(name)

    transaction.on_commit(remove)

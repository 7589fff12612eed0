from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """`migrate` also creates the database cache's table (a no-op with Redis or local memory)."""
    call_command("createcachetable", database=using, verbosity=0)


class InstantPaintingConfig(AppConfig):
    """The project itself as an app: what every app relies on at start-up (the cache table)."""

    name = "instantpainting"
    verbose_name = "InstantPainting"

    def ready(self) -> None:
        # Not `sender=self`: post_migrate is sent only for apps with models, which this one has none
        # of. It comes once per app then; createcachetable skips a table that exists.
        post_migrate.connect(create_cache_table, dispatch_uid="instantpainting.cache_table")

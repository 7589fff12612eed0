"""Prepare a site for `make run`: register the bundled models and, in DEBUG, a demo admin."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from generation.services import models_register_from_disk

DEMO_ADMIN = ("admin", "admin@example.com", "instantpainting-demo")


class Command(BaseCommand):
    help = "Register the model packages in MODELS_DIR and (DEBUG only) create the demo admin."

    def handle(self, *args: object, **options: object) -> None:
        models = models_register_from_disk()
        for model in models:
            label = "trained" if model.trained else "UNTRAINED"
            self.stdout.write(f"model {model.name} ({model.category}, {label}) from {model.path}")
        if not models:
            self.stdout.write(self.style.WARNING(f"no model packages found in {settings.MODELS_DIR}"))
        if settings.DEBUG and not os.environ.get("NO_DEMO_ADMIN"):
            username, email, password = DEMO_ADMIN
            User = get_user_model()
            if not User.objects.filter(username=username).exists():
                User.objects.create_superuser(username=username, email=email, password=password)
                self.stdout.write(self.style.SUCCESS("created the demo admin"))
            self.stdout.write(f"demo admin login: {username} / {password}  (DEBUG only; set DEBUG=false in production)")

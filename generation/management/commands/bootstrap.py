"""Prepare a site for `make run`: register the bundled models and, in DEBUG on a loopback
address, a demo admin."""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from generation.services import models_register_from_disk

DEMO_ADMIN = ("admin", "admin@example.com", "instantpainting-demo")


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (`make run` passes its HOST as BIND_HOST)."""
    host = host.strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = "Register the model packages in MODELS_DIR and (DEBUG on a loopback host) create the demo admin."

    def handle(self, *args: object, **options: object) -> None:
        models = models_register_from_disk()
        for model in models:
            label = "trained" if model.trained else "UNTRAINED"
            self.stdout.write(f"model {model.name} ({model.category}, {label}) from {model.path}")
        if not models:
            self.stdout.write(self.style.WARNING(f"no model packages found in {settings.MODELS_DIR}"))
        host = os.environ.get("BIND_HOST", "127.0.0.1")
        if settings.DEBUG and not os.environ.get("NO_DEMO_ADMIN") and not is_loopback(host):
            self.stdout.write(self.style.WARNING(f"no demo admin: HOST={host} can be reached from other machines"))
        elif settings.DEBUG and not os.environ.get("NO_DEMO_ADMIN"):
            username, email, password = DEMO_ADMIN
            User = get_user_model()
            if not User.objects.filter(username=username).exists():
                User.objects.create_superuser(username=username, email=email, password=password)
                self.stdout.write(self.style.SUCCESS("created the demo admin"))
            self.stdout.write(f"demo admin login: {username} / {password}  (DEBUG only; set DEBUG=false in production)")

"""The production profile: `check --deploy` is clean with the README's settings, HTTPS behind a
proxy gives https and wss links, a CSP is sent, and the demo admin never appears off loopback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import REPO
from tests.generation.conftest import job

# The production environment the README documents ("Running in production").
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Qp2vLr9sTz4mWc8bNf6hJd3kYg5aRe1uVo0iXqPlZtCnBmWsEdRfTgYhUjIkOl",
    "ALLOWED_HOSTS": "painting.example",
    "CSRF_TRUSTED_ORIGINS": "https://painting.example",
    "HTTPS": "true",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_check_deploy_gives_no_warnings_with_the_documented_production_settings(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "instantpainting.settings",
        "VAR_DIR": str(tmp_path),
        **PRODUCTION_ENV,
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.django_db
def test_behind_a_tls_proxy_the_api_hands_out_wss_links(tiny_model, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    resp = APIClient().post("/api/v1/generations/", job(), format="json", HTTP_X_FORWARDED_PROTO="https")
    assert resp.status_code == 201, resp.content
    assert resp.json()["ws_url"].startswith("wss://")


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(tiny_model):
    policy = Client().get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("host", "created"), [("127.0.0.1", True), ("localhost", True), ("0.0.0.0", False)])
def test_the_demo_admin_is_made_only_on_a_loopback_host(settings, monkeypatch, registered_models, host, created):
    settings.DEBUG = True
    monkeypatch.setenv("BIND_HOST", host)
    monkeypatch.delenv("NO_DEMO_ADMIN", raising=False)
    call_command("bootstrap", stdout=open(os.devnull, "w"))
    assert get_user_model().objects.filter(username="admin").exists() is created


def test_debug_is_off_unless_asked(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "instantpainting.settings", "VAR_DIR": str(tmp_path)}
    script = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr

"""Real PostgreSQL, Redis and an S3 endpoint (moto's server) for the scale-out profile.

.ci/run starts PostgreSQL and Redis and exports TEST_POSTGRES_URL / TEST_REDIS_URL; the S3
endpoint is moto's standalone server, started here. Without CI=true a missing service skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import need_service
from tests.live import free_port, wait_for


@pytest.fixture
def postgres_url():
    url = os.environ.get("TEST_POSTGRES_URL", "")
    need_service(bool(url), "PostgreSQL (TEST_POSTGRES_URL)")
    import psycopg

    name = f"ip_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        need_service(False, f"PostgreSQL at {url} ({exc})")
    admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def s3_endpoint(tmp_path):
    """moto's S3 server on a free port with an empty bucket; yields the env for the site."""
    exe = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
    need_service(Path(exe).exists(), "moto_server (pip moto[server])")
    port = free_port()
    log = open(tmp_path / "moto.log", "wb")
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        import boto3
        import botocore.exceptions

        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

        def up() -> bool:
            try:
                s3.list_buckets()
                return True
            except botocore.exceptions.EndpointConnectionError:
                return False

        wait_for(up, 30, 0.2, "moto S3 server")
        s3.create_bucket(Bucket="media")
        yield {
            "client": s3,
            "env": {
                "S3_BUCKET": "media",
                "S3_ENDPOINT_URL": endpoint,
                "S3_ACCESS_KEY_ID": "testing",
                "S3_SECRET_ACCESS_KEY": "testing",
                "S3_REGION": "us-east-1",
            },
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()

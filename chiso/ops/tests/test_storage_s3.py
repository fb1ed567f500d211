"""Evidence files in S3-compatible object storage (CHISO_STORAGE=s3), against moto's real
HTTP S3 server: uploads go to the bucket through the storage API, stay private, download only
through the permission-checked view, and back up and restore through the same API."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from moto.server import ThreadedMotoServer

from chiso import settings as chiso_settings
from chiso.collection.evidence import upload_evidence
from chiso.exports.tests.cast import Cast
from chiso.ops.tests.backup_instances import migrated_sqlite, sqlite_instance

__all__ = ["migrated_sqlite"]  # a fixture, used by name

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + bytes(range(256))
KEYS = {"CHISO_S3_ACCESS_KEY": "chiso-test", "CHISO_S3_SECRET_KEY": "chiso-test-secret"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "CHISO_STORAGE": "s3",
        "CHISO_S3_BUCKET": bucket,
        "CHISO_S3_ENDPOINT_URL": endpoint,
        "CHISO_S3_REGION": "us-east-1",
        **KEYS,
    }


def new_bucket(endpoint: str) -> tuple[Any, str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["CHISO_S3_ACCESS_KEY"],
        aws_secret_access_key=KEYS["CHISO_S3_SECRET_KEY"],
    )
    bucket = f"chiso-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.fixture
def bucket(
    endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Any, str]:
    """A fresh bucket, made the default storage exactly as the settings make it from the
    environment; the local media folder must stay empty."""
    client, name = new_bucket(endpoint)
    for variable, value in s3_env(endpoint, name).items():
        monkeypatch.setenv(variable, value)
    settings.STORAGES = {**settings.STORAGES, "default": chiso_settings.file_storage()}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return client, name


def keys(client: Any, bucket: str) -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_an_upload_lands_privately_in_the_bucket_and_downloads_only_through_the_check(
    db: None, bucket: tuple[Any, str], tmp_path: Path
) -> None:
    client, name = bucket
    cast = Cast(tmp_path)
    item = upload_evidence(cast.commune, io.BytesIO(PDF), "kế-hoạch.pdf", cast.reporter)
    assert keys(client, name) == [item.file.name]
    assert client.get_object(Bucket=name, Key=item.file.name)["Body"].read() == PDF
    grants = client.get_object_acl(Bucket=name, Key=item.file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner, nobody else
    assert not any("AllUsers" in str(g["Grantee"]) for g in grants)
    assert not (tmp_path / "media").exists()  # nothing on the worker's own disk

    url = reverse("collection:evidence", args=[item.pk])
    reporter, outsider = Client(), Client()
    reporter.force_login(cast.reporter)
    outsider.force_login(cast.people["reporter-other"])
    response = reporter.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Cache-Control"] == "private, no-store"
    assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_a_backup_reads_the_bucket_and_a_restore_writes_another_bucket(
    transactional_db: None,
    bucket: tuple[Any, str],
    endpoint: str,
    tmp_path: Path,
    migrated_sqlite: Path,
) -> None:
    cast = Cast(tmp_path)
    item = upload_evidence(cast.commune, io.BytesIO(PDF), "kế-hoạch.pdf", cast.reporter)
    archive = tmp_path / "backup.zip"
    call_command("backup", str(archive), verbosity=0)
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.read(f"files/{item.file.name}") == PDF

    client, other = new_bucket(endpoint)
    target = sqlite_instance(tmp_path / "target", migrated_sqlite, **s3_env(endpoint, other))
    target.run("restore", str(archive))
    assert keys(client, other) == [item.file.name]
    assert client.get_object(Bucket=other, Key=item.file.name)["Body"].read() == PDF
    assert target.files() == {}  # into the bucket, not the target's disk


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHISO_", "DATABASE_URL"))}
    code = "from chiso import settings; print(settings.STORAGES['default']['BACKEND'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "CHISO_INSECURE_DEV": "1", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, "FileSystemStorage"),
        ({"CHISO_STORAGE": "s3", "CHISO_S3_BUCKET": "chiso"}, "S3Storage"),
        ({"CHISO_STORAGE": "ftp"}, "CHISO_STORAGE='ftp': expected local or s3"),
        ({"CHISO_STORAGE": "s3"}, "CHISO_STORAGE=s3 needs CHISO_S3_BUCKET"),
    ],
)
def test_the_storage_is_chosen_by_environment_and_a_bad_choice_stops_the_process(
    env: dict[str, str], outcome: str
) -> None:
    result = _import_settings(env)
    assert outcome in (result.stdout if result.returncode == 0 else result.stderr)

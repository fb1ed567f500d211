"""`chiso backup` / `chiso restore` with real databases, real files and real processes.

The source is the Excel tests' small province (assessments, scores, evidence files, audit
rows), committed to the test database. Each restore goes into a separate instance — its own
database and file directory, set up by `chiso migrate` in its own process — and is compared
with the source through a second backup of the restored instance: every row of every table,
every file's bytes. On PostgreSQL the chain also crosses vendors: PostgreSQL → SQLite →
PostgreSQL.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from chiso.accounts.models import AuditEvent
from chiso.collection.evidence import add_document_reference, upload_evidence
from chiso.collection.models import Evidence
from chiso.exports.tests.cast import Cast
from chiso.ops.tests.backup_instances import (
    Instance,
    instance_env,
    migrated_sqlite,
    rows_outside_seeded_tables,
    sqlite_instance,
)

__all__ = ["migrated_sqlite"]  # a fixture, used by name

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture
def source(transactional_db: None, tmp_path: Path, settings: Any) -> Cast:
    """Committed data (a backup reads it in its own snapshot transaction)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cast = Cast(tmp_path)
    entry = cast.assessment.entries.get(indicator__code="1.2")
    upload_evidence(cast.commune, io.BytesIO(PDF), "kế-hoạch.pdf", cast.reporter, entries=[entry])
    upload_evidence(cast.commune, io.BytesIO(PNG), "ảnh.png", cast.reporter, is_public=True)
    add_document_reference(
        cast.commune,
        cast.reporter,
        number="586/KH-UBND",
        issued_on=None,
        signer="Nguyễn Văn A",
        summary="Kế hoạch chuyển đổi số năm 2025",
        entries=[entry],
    )
    cast.move_to("verified")
    return cast


@pytest.fixture
def postgres_target(tmp_path: Path) -> Iterator[Instance | None]:
    """A new PostgreSQL database beside the test database (only when testing on PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield None
        return
    params = django_settings.DATABASES["default"]
    name = f"{params['NAME']}_restore"
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = f"{server['user']}:{server['password']}@" if server["password"] else f"{server['user']}@"
    url = f"postgres://{auth}{server['host']}:{server['port']}/{name}"
    instance = Instance("postgresql", instance_env(tmp_path / "pg", url), tmp_path / "pg" / "media")
    instance.run("migrate")
    yield instance
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables_of(archive: Path) -> dict[str, list[Any]]:
    """Every table of a backup as parsed rows: equal data compares equal, whatever the
    database it came from."""
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        return {
            t["model"]: [json.loads(line) for line in zipped.read(t["member"]).splitlines()]
            for t in manifest["tables"]
        }


def files_of(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        return {f["name"]: zipped.read(f["member"]) for f in manifest["files"]}


def scores_json() -> str:
    out = io.StringIO()
    call_command("score", framework="rt-commune", period="2025", format="json", stdout=out)
    return out.getvalue()


def test_a_restore_reproduces_every_row_score_file_and_audit_row(
    source: Cast, tmp_path: Path, migrated_sqlite: Path, postgres_target: Instance | None
) -> None:
    original = tmp_path / "original.zip"
    call_command("backup", str(original), verbosity=0)
    expected, expected_files = tables_of(original), files_of(original)
    assert len(expected["collection.evidence"]) == 3
    assert len(expected["scoring.scoresnapshot"]) > 0
    assert len(expected["accounts.auditevent"]) == AuditEvent.objects.count() > 10
    assert sorted(expected_files.values()) == sorted([PDF, PNG])
    scores = scores_json()
    archive = original
    targets = [sqlite_instance(tmp_path / "sqlite", migrated_sqlite), postgres_target]
    for target in (t for t in targets if t is not None):
        target.run("restore", str(archive))
        again = tmp_path / f"again-{target.name}.zip"
        target.run("backup", str(again))
        assert tables_of(again) == expected, target.name
        assert files_of(again) == expected_files == target.files(), target.name
        shown = target.run(
            "score", "--framework", "rt-commune", "--period", "2025", "--format", "json"
        )
        assert json.loads(shown.stdout) == json.loads(scores)
        archive = again  # the next instance restores this one's backup: SQLite → PostgreSQL
        _a_backup_is_one_snapshot_while_others_write(target, tmp_path)


def _a_backup_is_one_snapshot_while_others_write(target: Instance, tmp_path: Path) -> None:
    archive = tmp_path / f"during-{target.name}.zip"
    result = subprocess.run(
        [sys.executable, "-m", "chiso.ops.tests.backup_while_writing", str(archive)],
        env=target.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["first_table"].startswith("accounts.auditevent")
    assert report["newcomer_in_database"] == 1  # the write went through meanwhile …
    assert report["newcomer_in_archive"] == 0  # … and the backup holds neither the user
    assert report["audit_rows_in_archive"] == report["audit_rows_in_database"] - 1  # nor its row


def _flip_one_byte(archive: Path, out: Path) -> str:
    """One byte changed in place, inside the stored PDF (the zip's own CRC now disagrees)."""
    shutil.copy(archive, out)
    with zipfile.ZipFile(out) as zipped:
        info = next(i for i in zipped.infolist() if i.filename.endswith(".pdf"))
    with out.open("r+b") as raw:
        raw.seek(info.header_offset + 26)
        name_length, extra_length = (int.from_bytes(raw.read(2), "little") for _ in range(2))
        raw.seek(info.header_offset + 30 + name_length + extra_length + 20)
        byte = raw.read(1)
        raw.seek(-1, io.SEEK_CUR)
        raw.write(bytes([byte[0] ^ 0xFF]))
    return info.filename


def _rewrite_the_audit_log(archive: Path, out: Path) -> str:
    """A well-formed archive whose audit log was edited (what a forger would produce)."""

    def forge(data: bytes) -> bytes:
        assert b'"test"' in data
        return data.replace(b'"test"', b'"ke-khac"', 1)

    return _rewrite(archive, out, {"db/accounts.auditevent.jsonl": forge})


def _rewrite(archive: Path, out: Path, edits: dict[str, Callable[[bytes], bytes]]) -> str:
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, edits.get(info.filename, lambda d: d)(data))
    return next(iter(edits))


@pytest.mark.parametrize("damage", [_flip_one_byte, _rewrite_the_audit_log])
def test_an_altered_archive_is_refused_naming_the_member_and_nothing_is_written(
    source: Cast,
    tmp_path: Path,
    migrated_sqlite: Path,
    damage: Callable[[Path, Path], str],
) -> None:
    original, damaged = tmp_path / "original.zip", tmp_path / "damaged.zip"
    call_command("backup", str(original), verbosity=0)
    member = damage(original, damaged)
    target = sqlite_instance(tmp_path / "target", migrated_sqlite)
    refused = target.run("restore", str(damaged), ok=False)
    assert refused.returncode != 0
    assert "đã bị thay đổi hoặc hỏng, không khôi phục gì" in refused.stderr
    assert member in refused.stderr
    assert rows_outside_seeded_tables(target) == 0
    assert target.files() == {}
    with pytest.raises(CommandError, match="không khôi phục gì"):
        call_command("restore", str(damaged), check=True, verbosity=0)
    said = io.StringIO()
    call_command("restore", str(original), check=True, stdout=said)
    assert "Tệp sao lưu nguyên vẹn" in said.getvalue()


def test_a_restore_onto_a_database_with_data_is_refused_and_changes_nothing(
    source: Cast, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.zip"
    call_command("backup", str(archive), verbosity=0)
    before = (AuditEvent.objects.count(), Evidence.objects.count())
    with pytest.raises(CommandError, match="không trống") as refused:
        call_command("restore", str(archive), verbosity=0)
    assert "accounts.auditevent" in str(refused.value)
    assert (AuditEvent.objects.count(), Evidence.objects.count()) == before


def test_a_backup_made_under_other_migrations_is_refused_naming_them(
    source: Cast, tmp_path: Path
) -> None:
    archive, edited = tmp_path / "backup.zip", tmp_path / "edited.zip"
    call_command("backup", str(archive), verbosity=0)

    def future(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["migrations"]["collection"].append("0099_from_the_future")
        return json.dumps(manifest).encode()

    _rewrite(archive, edited, {"manifest.json": future})
    with pytest.raises(CommandError, match="0099_from_the_future"):
        call_command("restore", str(edited), verbosity=0)


def test_a_backup_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "backup.zip"
    existing.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="đã có"):
        call_command("backup", str(existing), verbosity=0)
    assert existing.read_bytes() == b"an older backup"

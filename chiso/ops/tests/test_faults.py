"""Faults: a process killed (SIGKILL) in the middle of a sheet import and of a workflow
transition leaves the whole operation or none of it, and the audit log agrees; a full disk
during an evidence upload gives a clear error and leaves no record and no partial file.

Placing the kill inside the transaction: on PostgreSQL the test holds the audit chain's
advisory lock (the lock every audited write takes before appending its audit row), so the
victim has already written its first rows and is provably waiting inside its transaction
(pg_stat_activity: an xid assigned, waiting on the advisory lock) when it is killed. SQLite
has no such view, so there the import is killed at spread-out random moments, several times.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from chiso.accounts.models import CHAIN_LOCK, AuditEvent
from chiso.api.tokens import create_token
from chiso.collection.choices import AssessmentStatus
from chiso.collection.evidence import EvidenceError, upload_evidence
from chiso.collection.models import Assessment, Evidence
from chiso.collection.services import ensure_period
from chiso.collection.tests.test_workflow import Cast
from chiso.frameworks.models import FrameworkVersion
from chiso.lib.testing import ledger
from chiso.lib.testing.served import Site, database_url, shared_database, wait_for
from chiso.org.models import Unit

UNIT = "tay-ninh.xa-can-giuoc"


def postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def chain_held() -> Iterator[psycopg.Connection[Any]]:
    """Hold the audit chain's lock from a connection of our own, in an open transaction."""
    with psycopg.connect(database_url().replace("postgres://", "postgresql://")) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        yield holder
        holder.rollback()


def waiting_writer(holder: psycopg.Connection[Any]) -> int | None:
    """The backend that has written in its transaction and now waits for the chain lock."""
    # Inside a transaction PostgreSQL serves pg_stat_activity from a snapshot: refresh it.
    holder.execute("SELECT pg_stat_clear_snapshot()")
    row = holder.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL "
        "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    ).fetchone()
    return int(row[0]) if row else None


def gone(holder: psycopg.Connection[Any], pid: int) -> bool:
    holder.execute("SELECT pg_stat_clear_snapshot()")
    row = holder.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
    return row.fetchone() == (0,)


def kill_group(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def kill_when_waiting(process: subprocess.Popen[str], holder: psycopg.Connection[Any]) -> None:
    try:
        wait_for(lambda: waiting_writer(holder) is not None, what="the writer mid-transaction")
    except TimeoutError:
        kill_group(process)
        raise
    pid = waiting_writer(holder)
    assert pid is not None
    kill_group(process)
    # PostgreSQL rolls the dead client's transaction back once it sees the socket close.
    holder.rollback()
    wait_for(lambda: gone(holder, pid), what="the killed client's backend to end")


# --- import ----------------------------------------------------------------------------------


def import_command(sheet: Path) -> tuple[str, ...]:
    return ("chiso", "import-sheet", str(sheet), "--framework", "tayninh-commune-2026",
            "--unit", UNIT, "--period", "2025")  # fmt: skip


def import_state() -> tuple[bool, int, int]:
    """(assessment exists, its entries with values, import audit rows)."""
    assessment = Assessment.objects.filter(unit__code=UNIT).first()
    audited = AuditEvent.objects.filter(action="assessment.import_sheet").count()
    if assessment is None:
        return False, 0, audited
    filled = assessment.entries.exclude(self_inputs={}).count()
    return True, filled, audited


def assert_all_or_nothing() -> int:
    """The number of filled entries when the import committed whole, 0 when nothing of it is
    left; anything in between fails."""
    exists, filled, audited = import_state()
    if not exists:
        assert (filled, audited) == (0, 0)
        assert not AuditEvent.objects.filter(object_label__contains="Cần Giuộc").exists()
        return 0
    assert filled > 0 and audited == 1, (filled, audited)
    return filled


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_midway_leaves_all_or_nothing(
    tayninh: FrameworkVersion, can_giuoc: Unit, sample_sheet: Path, tmp_path: Path
) -> None:
    ensure_period("2025")  # created beforehand: the import's own transaction is its first write
    with shared_database(tmp_path) as site:
        kills, committed = kill_imports(site, sample_sheet)
        done = site.run(*import_command(sample_sheet))  # after the "restart"
        assert done.returncode == 0, done.stdout + done.stderr
    exists, filled, _audited = import_state()
    assert exists and filled > 0
    assert all(n in (0, filled) for n in committed), (committed, filled)
    ledger.fault("SIGKILL during import", kills)


def kill_imports(site: Site, sheet: Path) -> tuple[int, list[int]]:
    if postgres():
        with chain_held() as holder:
            kill_when_waiting(site.popen(*import_command(sheet)), holder)
        assert import_state() == (False, 0, 0)
        return 1, [0]
    return kill_at_random(site, sheet, attempts=3)


def kill_at_random(site: Site, sheet: Path, attempts: int) -> tuple[int, list[int]]:
    """SQLite: kill at spread-out moments of a run; each time all or nothing. The test's copy
    of the database is refreshed from the shared file after each kill."""
    from chiso.lib.testing.served import _copy

    rng, seen = random.Random(8), []
    for attempt in range(attempts):
        process = site.popen(*import_command(sheet))
        delay = rng.uniform(0.5, 4.0) * (attempt + 1) / attempts
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            kill_group(process)
        path = Path(site.env["DATABASE_URL"].removeprefix("sqlite:///"))
        connection.ensure_connection()
        _copy(connection.connection, path, outward=False)
        seen.append(assert_all_or_nothing())
        if seen[-1]:
            break  # it finished before the kill: nothing left to interrupt
    return len(seen), seen


# --- workflow transition through the server --------------------------------------------------


def post(url: str, token: str) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0  # the server died under the request


@pytest.mark.django_db(transaction=True)
def test_a_server_killed_in_a_transition_leaves_all_or_nothing(tmp_path: Path) -> None:
    if not postgres():
        pytest.skip("the kill is placed inside the transaction through PostgreSQL's locks")
    cast = Cast(tmp_path)
    cast.fill()
    cast.attach_plan()
    token = create_token(cast.reporter, "faults").secret
    submit = f"/api/assessments/{cast.assessment.pk}/transitions/submit"
    with shared_database(tmp_path) as site:
        with chain_held() as holder, site.server(workers=1, threads=2) as base:
            client = threading.Thread(target=post, args=(base + submit, token))
            client.start()
            assert site.process is not None
            kill_when_waiting(site.process, holder)
            client.join()
        submitted = AuditEvent.objects.filter(action="assessment.submit")
        assert Assessment.objects.get().status == AssessmentStatus.DRAFT
        assert not submitted.exists()
        with site.server(workers=1, threads=2) as base:  # the restart
            assert post(base + submit, token) == 200
    assert Assessment.objects.get().status == AssessmentStatus.SUBMITTED
    assert submitted.count() == 1
    ledger.fault("SIGKILL during workflow transition")


# --- full disk during an upload --------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB filesystem (tmpfs) as the media root; skipped where mounting is refused."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def big_pdf(size: int) -> bytes:
    body = b"%PDF-1.7\n1 0 obj<<>>endobj\n"
    return body + b"%" + b"0" * (size - len(body) - 20) + b"\ntrailer<<>>\n%%EOF\n"


def test_a_full_disk_during_an_upload_leaves_no_record_and_no_partial_file(
    db: None, tiny_disk: Path, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tiny_disk)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cast = Cast(tmp_path)
    before = AuditEvent.objects.count()
    with pytest.raises(EvidenceError) as caught:
        upload_evidence(cast.commune, io.BytesIO(big_pdf(200_000)), "lon.pdf", cast.reporter)
    assert "Không lưu được tệp" in caught.value.messages[0]
    assert not Evidence.objects.exists() and AuditEvent.objects.count() == before
    assert [p for p in tiny_disk.rglob("*") if p.is_file()] == []
    ledger.fault("full disk during evidence upload")


def test_read_only_storage_during_an_upload_gives_a_clear_error(
    db: None, tiny_disk: Path, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tiny_disk)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    cast = Cast(tmp_path)
    with pytest.raises(EvidenceError) as caught:
        upload_evidence(cast.commune, io.BytesIO(big_pdf(2_000)), "nho.pdf", cast.reporter)
    assert "Không lưu được tệp" in caught.value.messages[0]
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.upload").exists()
    ledger.fault("read-only storage during evidence upload")

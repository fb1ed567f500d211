"""`chiso check-integrity`: clean data passes; an edited snapshot, a changed or missing
evidence file, an audit row edited or deleted through raw SQL are each found, by id."""

from __future__ import annotations

import importlib
import io
import itertools
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from chiso.accounts.models import AuditEvent
from chiso.accounts.services import record
from chiso.collection.evidence import upload_evidence
from chiso.collection.tests.test_workflow import Cast
from chiso.lib.testing import ledger
from chiso.ops.integrity import check_all, check_audit_chain
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import rescore

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cast(db: None, tmp_path: Path, settings: Any) -> Cast:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cast = Cast(tmp_path)
    cast.fill()
    upload_evidence(cast.commune, io.BytesIO(PDF), "ke-hoach.pdf", cast.reporter)
    rescore(cast.version, cast.assessment.period)
    return cast


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_integrity", *args, stdout=out)
    except CommandError:
        return 1, out.getvalue()
    return 0, out.getvalue()


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_clean_data_passes_every_check(cast: Cast) -> None:
    code, text = run()
    assert code == 0
    assert "[ĐẠT] Điểm đã lưu khớp điểm tính lại: đã kiểm 2" in text
    assert "[ĐẠT] Tệp minh chứng còn nguyên (sha256): đã kiểm 1" in text
    assert "[ĐẠT] Chuỗi băm nhật ký không đứt" in text


def test_every_audit_row_carries_the_hash_of_the_one_before(cast: Cast) -> None:
    rows = list(AuditEvent.objects.order_by("id"))
    assert len(rows) > 5
    assert rows[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


def test_an_edited_snapshot_is_reported_with_its_assessment(cast: Cast) -> None:
    ScoreSnapshot.objects.filter(assessment=cast.assessment, stage="final").update(total=99.0)
    code, text = run("--only", "scores")
    assert code == 1
    assert f"Bản đánh giá #{cast.assessment.pk}, giai đoạn final" in text and "total" in text
    ledger.attack("integrity: tampered data detected")


def test_a_missing_rescore_is_reported(cast: Cast) -> None:
    ScoreSnapshot.objects.filter(assessment=cast.assessment, stage="self").delete()
    report = check_all(("scores",))
    assert [p.object_id for p in report.problems] == [cast.assessment.pk]
    assert "thiếu điểm đã lưu" in report.problems[0].message


def test_a_changed_evidence_file_is_reported(cast: Cast) -> None:
    item = cast.commune.evidence.get()
    Path(item.file.path).write_bytes(PDF + b"% tampered\n")
    report = check_all(("evidence",))
    assert [(p.check, p.object_id) for p in report.problems] == [("evidence", item.pk)]
    assert "đã bị thay đổi" in report.problems[0].message
    ledger.attack("integrity: tampered data detected")


def test_a_missing_evidence_file_is_reported(cast: Cast) -> None:
    item = cast.commune.evidence.get()
    Path(item.file.path).unlink()
    code, out = run("--only", "evidence", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"][0]["object_id"] == item.pk
    assert "không có tệp" in report["problems"][0]["message"]


def test_an_audit_row_edited_through_raw_sql_is_reported_by_id(cast: Cast) -> None:
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    middle = ids[len(ids) // 2]
    raw("UPDATE accounts_auditevent SET reason = %s WHERE id = %s", ["không có gì", middle])
    code, text = run("--only", "audit")
    assert code == 1
    assert f"Nhật ký #{middle}: nội dung đã bị sửa" in text
    assert text.count("    - ") == 1  # the rows after it still link to its stored hash
    ledger.attack("integrity: tampered data detected")


def test_an_audit_row_deleted_from_the_middle_is_reported_at_the_next_row(cast: Cast) -> None:
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    gone, after, before = ids[3], ids[4], ids[2]
    raw("DELETE FROM accounts_auditevent WHERE id = %s", [gone])
    problems = list(p for p in check_audit_chain() if not isinstance(p, int))
    assert len(problems) == 1 and problems[0].object_id == after
    assert f"không nối tiếp dòng #{before}" in problems[0].message
    ledger.attack("integrity: tampered data detected")


def test_the_migration_chains_rows_written_before_the_chain(cast: Cast) -> None:
    raw("UPDATE accounts_auditevent SET hash = '', prev_hash = ''", [])
    assert not check_all(("audit",)).ok
    migration = importlib.import_module("chiso.accounts.migrations.0002_audit_hash_chain")
    state = MigrationLoader(connection).project_state(("accounts", "0002_audit_hash_chain"))
    migration.chain_existing_rows(state.apps, None)
    assert check_all(("audit",)).ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    """Eight threads, each with its own database connection, append at once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time (IMMEDIATE transactions)")
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                record("test", "test.concurrent", f"writer {n}", new={"writer": n, "i": i})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 200
    assert check_all(("audit",)).ok
    ledger.fault("concurrent audit appends", 200)

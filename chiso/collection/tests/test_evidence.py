"""Evidence services: files typed by content and capped in size, document references,
links to indicators (audited), reuse in the next period, and the permission check for
serving. Named personas come from the workflow tests."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http import Http404

from chiso.accounts.models import AuditEvent
from chiso.collection.evidence import (
    EvidenceError,
    add_document_reference,
    carry_forward,
    check_file,
    link_evidence,
    open_evidence,
    unlink_evidence,
    upload_evidence,
)
from chiso.collection.models import Evidence
from chiso.collection.services import ensure_period, open_assessments
from chiso.collection.tests.test_workflow import Cast
from chiso.collection.workflow import NotAllowed, transition

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 60


def office(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def cast(db: None, tmp_path: Path, settings: Any) -> Cast:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Cast(tmp_path)


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PDF, "ke-hoach.pdf", "application/pdf"),
        (PNG, "anh.png", "image/png"),
        (JPEG, "anh.jpg", "image/jpeg"),
        (office("word/document.xml"), "bao-cao.docx", "wordprocessingml"),
        (office("xl/workbook.xml"), "so-lieu.xlsx", "spreadsheetml"),
        (PDF, "ten-sai.docx", "application/pdf"),  # the name does not matter, the bytes do
    ],
)
def test_accepted_files_are_typed_by_their_content(
    content: bytes, name: str, content_type: str
) -> None:
    checked = check_file(io.BytesIO(content), name)
    assert content_type in checked.content_type
    assert checked.size == len(content) and len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE, "ke-hoach.pdf"),  # an .exe dressed as a .pdf
        (b"<html><script>alert(1)</script></html>", "trang.pdf"),
        (office("content.xml"), "tai-lieu.docx"),  # a zip that is no Office document
        (b"PK\x03\x04 not really a zip", "so-lieu.xlsx"),
        (b"", "rong.pdf"),
    ],
)
def test_wrong_types_are_refused_with_a_clear_message(content: bytes, name: str) -> None:
    with pytest.raises(EvidenceError) as caught:
        check_file(io.BytesIO(content), name)
    assert name in caught.value.messages[0]


def test_an_exe_renamed_to_pdf_is_refused_and_nothing_is_stored(cast: Cast) -> None:
    entry = cast.assessment.entries.get(indicator__code="1.2")
    with pytest.raises(EvidenceError, match="không phải PDF, Word"):
        upload_evidence(
            cast.commune, io.BytesIO(EXE), "ke-hoach.pdf", cast.reporter, entries=[entry]
        )
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.upload").exists()


def test_oversized_files_are_refused_with_the_limit(cast: Cast, settings: Any) -> None:
    settings.CHISO_EVIDENCE_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(EvidenceError, match=r"quá lớn .* tối đa 1 MB"):
        upload_evidence(cast.commune, io.BytesIO(big), "lon.pdf", cast.reporter)
    assert not Evidence.objects.exists()


def test_an_upload_is_stored_outside_the_web_root_with_its_hash_and_linked(
    cast: Cast, settings: Any
) -> None:
    entry = cast.assessment.entries.get(indicator__code="1.2")
    item = upload_evidence(
        cast.commune, io.BytesIO(PDF), "Kế hoạch CĐS.pdf", cast.reporter, entries=[entry]
    )
    assert Path(item.file.path).is_relative_to(Path(settings.MEDIA_ROOT) / "evidence")
    assert "Kế hoạch" not in item.file.name  # the stored name is random
    assert item.original_name == "Kế hoạch CĐS.pdf"
    assert item.sha256 == __import__("hashlib").sha256(PDF).hexdigest()
    assert list(entry.evidence.all()) == [item]
    assert AuditEvent.objects.get(action="entry.evidence.link").actor == cast.reporter


def test_a_document_reference_needs_a_number_and_a_summary(cast: Cast) -> None:
    with pytest.raises(EvidenceError) as caught:
        add_document_reference(
            cast.commune, cast.reporter, number=" ", issued_on=None, signer="", summary=""
        )
    assert len(caught.value.messages) == 2


def test_a_document_issued_after_the_period_cannot_back_it(cast: Cast) -> None:
    entry = cast.assessment.entries.get(indicator__code="1.2")
    with pytest.raises(EvidenceError, match="sau khi kỳ Năm 2025 kết thúc"):
        add_document_reference(
            cast.commune, cast.reporter, number="5/KH-UBND", issued_on=dt.date(2026, 1, 5),
            signer="Chủ tịch", summary="Kế hoạch", entries=[entry],
        )  # fmt: skip
    assert not entry.evidence.exists()


def test_an_outsider_cannot_add_or_link_evidence_to_another_unit(cast: Cast) -> None:
    entry = cast.assessment.entries.get(indicator__code="1.2")
    with pytest.raises(NotAllowed):
        add_document_reference(
            cast.commune, cast.outsider, number="1", issued_on=None, signer="", summary="x"
        )
    item = add_document_reference(
        cast.commune, cast.reporter, number="1/KH", issued_on=None, signer="", summary="x"
    )
    with pytest.raises(NotAllowed):
        link_evidence(entry, item, cast.outsider)
    with pytest.raises(NotAllowed):
        link_evidence(entry, item, cast.verifier)


def test_after_submission_the_reporter_can_no_longer_change_links(cast: Cast) -> None:
    cast.fill()
    cast.attach_plan()
    transition(cast.assessment, "submit", cast.reporter)
    entry = cast.assessment.entries.get(indicator__code="1.2")
    item = entry.evidence.get()
    with pytest.raises(NotAllowed):
        unlink_evidence(entry, item, cast.reporter)
    assert unlink_evidence(entry, item, cast.admin)
    row = AuditEvent.objects.get(action="entry.evidence.unlink")
    assert (row.actor, row.old["evidence"][0]) == (cast.admin, item.pk)


def test_one_item_backs_several_indicators(cast: Cast) -> None:
    item = add_document_reference(
        cast.commune, cast.reporter, number="9/QĐ-UBND", issued_on=dt.date(2025, 3, 1),
        signer="Chủ tịch", summary="Kiện toàn Ban chỉ đạo",
        entries=list(cast.assessment.entries.all()),
    )  # fmt: skip
    assert item.entries.count() == 2


def test_last_periods_evidence_is_reused_for_the_same_indicators(cast: Cast) -> None:
    cast.attach_plan()
    (later,) = open_assessments(cast.version, ensure_period("2026"), [cast.commune], "t")
    assert carry_forward(later, cast.reporter) == 1
    assert later.entries.get(indicator__code="1.2").evidence.get().number == "12/KH-UBND"
    assert carry_forward(later, cast.reporter) == 0  # idempotent
    with pytest.raises(NotAllowed):
        carry_forward(later, cast.outsider)


def test_evidence_is_served_only_to_whoever_may_see_the_unit(cast: Cast) -> None:
    item = Evidence.objects.create(unit=cast.commune, kind="file", original_name="a.pdf")
    item.file.save("a.pdf", ContentFile(PDF))
    assert open_evidence(cast.reporter, item.pk) == item
    assert open_evidence(cast.verifier, item.pk) == item  # reads every unit of the province
    with pytest.raises(Http404):
        open_evidence(cast.outsider, item.pk)
    item.is_public = True  # public evidence reaches outsiders only through the portal
    item.save()
    with pytest.raises(Http404):
        open_evidence(cast.outsider, item.pk)

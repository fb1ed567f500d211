"""Evidence through the web: upload (typed by content), document references, picking an
earlier item, and the permission-checked download with safe headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chiso.collection.models import Evidence
from chiso.dashboards.tests.test_assessment_fixtures import Cast, cast_fixture  # noqa: F401

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 60


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _upload(cast: Cast, content: bytes, name: str, who: str = "reporter") -> Any:
    entry = cast.entry("1.2")
    url = reverse("collection:add_evidence", args=[cast.mine.pk, entry.pk])
    data = {"kind": "file", "file": SimpleUploadedFile(name, content), "title": ""}
    return cast.client(who).post(url, data, follow=True)


def test_the_reporter_uploads_a_pdf_and_downloads_it_with_safe_headers(cast: Cast) -> None:
    page = _upload(cast, PDF, "Kế hoạch 2025.pdf").content.decode()
    item = Evidence.objects.get()
    assert "Kế hoạch 2025.pdf" in page
    response = cast.client("leader").get(reverse("collection:evidence", args=[item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Ke%CC%82%CC%81 ho%E1%BA%A1ch" in response["Content-Disposition"] or (
        "2025.pdf" in response["Content-Disposition"]
    )


def test_an_exe_named_pdf_is_refused_through_the_web_with_a_message(cast: Cast) -> None:
    page = _upload(cast, EXE, "ke-hoach.pdf").content.decode()
    assert "không phải PDF, Word (DOCX), Excel (XLSX), ảnh PNG hay JPEG" in page
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused_through_the_web(cast: Cast, settings: Any) -> None:
    settings.CHISO_EVIDENCE_MAX_MB = 1
    page = _upload(cast, PDF + b"0" * (1024 * 1024 + 1), "lon.pdf").content.decode()
    assert "quá lớn" in page and "tối đa 1 MB" in page
    assert not Evidence.objects.exists()


def test_a_document_reference_is_added_and_picked_for_another_indicator(cast: Cast) -> None:
    first, second = cast.entry("1.2"), cast.entry("2.1")
    client = cast.client("reporter")
    client.post(
        reverse("collection:add_evidence", args=[cast.mine.pk, first.pk]),
        {"kind": "document", "number": "586/KH-UBND", "issued_on": "15/03/2025",
         "signer": "Chủ tịch UBND xã", "summary": "Kế hoạch chuyển đổi số năm 2025"},
    )  # fmt: skip
    item = Evidence.objects.get()
    assert item.issued_on is not None and item.issued_on.isoformat() == "2025-03-15"
    client.post(
        reverse("collection:add_evidence", args=[cast.mine.pk, second.pk]),
        {"kind": "pick", "evidence": item.pk},
    )
    assert sorted(e.indicator.code for e in item.entries.select_related("indicator")) == [
        "1.2",
        "2.1",
    ]
    page = client.get(reverse("collection:detail", args=[cast.mine.pk])).content.decode()
    assert "586/KH-UBND" in page and "15/03/2025" in page


def test_another_units_evidence_cannot_be_picked(cast: Cast) -> None:
    theirs = Evidence.objects.create(unit=cast.other_commune, kind="document", number="7/KH")
    entry = cast.entry("1.2")
    cast.client("reporter").post(
        reverse("collection:add_evidence", args=[cast.mine.pk, entry.pk]),
        {"kind": "pick", "evidence": theirs.pk},
    )
    assert not entry.evidence.exists()

"""Evidence through the web: upload (typed by content), document references, picking an
earlier item, and the permission-checked download with safe headers."""

from __future__ import annotations

import datetime as dt
import html
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


# --- errors keep what was typed, each message beside its box --------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}
TYPED = {
    "kind": "document",
    "number": "586/KH-UBND",
    "signer": "Chủ tịch UBND xã",
    "summary": "Kế hoạch chuyển đổi số",
}


def _refer(cast: Cast, htmx: bool = False, **data: str) -> Any:
    entry = cast.entry("1.2")
    url = reverse("collection:add_evidence", args=[cast.mine.pk, entry.pk])
    return cast.client("reporter").post(url, {**TYPED, **data}, **(HTMX if htmx else {}))


def _box(page: str, name: str, pk: int) -> str:
    """The opening tag of the evidence box `name` of entry `pk` (by its id)."""
    start = page.index(f'id="ev-{pk}-{name}"')
    return page[page.rindex("<", 0, start) : page.index(">", start) + 1]


def test_with_htmx_a_too_old_document_comes_back_in_place_with_the_typed_values(
    cast: Cast,
) -> None:
    pk = cast.entry("1.2").pk
    response = _refer(cast, htmx=True, issued_on="2023-12-31")
    page = response.content.decode()
    assert response.status_code == 200  # HTMX swaps 2xx only
    assert page.lstrip().startswith(f'<div class="evidence" id="evidence-{pk}">')
    assert "<html" not in page
    error = f'id="ev-{pk}-issued_on_error"'
    assert error in page and "Ngày ban hành 31/12/2023 quá xa trước kỳ Năm 2025" in page
    issued = _box(page, "issued_on", pk)
    assert 'type="date"' in issued and 'value="2023-12-31"' in issued
    assert 'aria-invalid="true"' in issued and f"ev-{pk}-issued_on_error" in issued
    assert "autofocus" in issued
    assert 'value="586/KH-UBND"' in _box(page, "number", pk)
    assert 'value="Chủ tịch UBND xã"' in _box(page, "signer", pk)
    assert "Kế hoạch chuyển đổi số</textarea>" in page
    assert '<details class="add-evidence" open>' in page
    assert 'id="autosave-status" hx-swap-oob="innerHTML">Chưa gắn minh chứng cho 1.2' in page
    assert not Evidence.objects.exists()


def test_without_javascript_the_page_comes_back_with_the_bound_form_and_a_summary(
    cast: Cast,
) -> None:
    pk = cast.entry("1.2").pk
    response = _refer(cast, summary=" ", issued_on="15/03/2025")
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "<html" in page  # the whole page, not a redirect
    summary = _box(page, "summary", pk)
    assert 'aria-invalid="true"' in summary and f"ev-{pk}-summary_error" in summary
    assert f'id="ev-{pk}-summary_error">Hãy nhập trích yếu văn bản.' in page
    assert 'value="586/KH-UBND"' in _box(page, "number", pk)
    assert 'value="2025-03-15"' in _box(page, "issued_on", pk)  # as the date picker needs it
    assert f'href="#ev-{pk}-summary"' in page  # the summary at the top links to the box
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("typed", "kept", "message"),
    [
        ("31/02/2025", "31/02/2025", "Không phải ngày có thật; hãy nhập dạng dd/mm/yyyy"),
        (
            "05/01/2026",
            "2026-01-05",
            "Ngày ban hành 05/01/2026 sau khi kỳ Năm 2025 kết thúc (31/12/2025)",
        ),
    ],
)
def test_a_date_outside_the_period_or_not_a_date_is_refused_beside_the_date_box(
    cast: Cast, typed: str, kept: str, message: str
) -> None:
    pk = cast.entry("1.2").pk
    page = html.unescape(_refer(cast, htmx=True, issued_on=typed).content.decode())
    start = page.index(f'id="ev-{pk}-issued_on_error"')
    assert message in page[start : page.index("</span>", start)]
    assert f'value="{kept}"' in _box(page, "issued_on", pk)
    assert not Evidence.objects.exists()


def test_a_date_typed_dd_m_yyyy_is_accepted_and_shown_dd_mm_yyyy(cast: Cast) -> None:
    pk = cast.entry("1.2").pk
    response = _refer(cast, htmx=True, issued_on="1/2/2025")
    page = html.unescape(response.content.decode())
    assert Evidence.objects.get().issued_on == dt.date(2025, 2, 1)
    assert "ngày 01/02/2025" in page and "Đã gắn minh chứng cho 1.2" in page
    issued = _box(page, "issued_on", pk)  # a fresh, empty form again
    assert 'value="' not in issued
    assert 'min="2024-01-01"' in issued and 'max="2025-12-31"' in issued
    assert "từ 01/01/2024 đến 31/12/2025" in page  # the rule, as help text under the box


def test_with_htmx_a_bad_file_keeps_the_title_and_says_why_beside_the_file_box(
    cast: Cast,
) -> None:
    entry = cast.entry("1.2")
    pk = entry.pk
    url = reverse("collection:add_evidence", args=[cast.mine.pk, entry.pk])
    data = {"kind": "file", "file": SimpleUploadedFile("ke-hoach.pdf", EXE), "title": "Kế hoạch"}
    page = html.unescape(cast.client("reporter").post(url, data, **HTMX).content.decode())
    start = page.index(f'id="ev-{entry.pk}-file_error"')
    assert "không phải PDF" in page[start : page.index("</span>", start)]
    assert 'aria-invalid="true"' in _box(page, "file", pk)
    assert 'value="Kế hoạch"' in _box(page, "title", pk)
    assert not Evidence.objects.exists()


def test_with_htmx_a_missing_file_is_named(cast: Cast) -> None:
    entry = cast.entry("1.2")
    url = reverse("collection:add_evidence", args=[cast.mine.pk, entry.pk])
    page = cast.client("reporter").post(url, {"kind": "file"}, **HTMX).content.decode()
    assert f'id="ev-{entry.pk}-file_error">Hãy chọn tệp minh chứng để tải lên.' in page

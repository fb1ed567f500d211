"""Deadlines, occurrences of recurring tasks, overdue transitions, progress and completion."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chiso.accounts.models import AuditEvent
from chiso.org.models import Unit
from chiso.plans import queries, services
from chiso.plans.choices import OccurrenceStatus, Recurrence, TaskState
from chiso.plans.models import Document, Occurrence
from chiso.plans.schedule import due_dates

D = dt.date
PDF = b"%PDF-1.4\n%minh chung\n"


@pytest.mark.parametrize(
    ("recurrence", "start", "until", "expected"),
    [
        (
            Recurrence.QUARTERLY,
            D(2025, 11, 1),
            D(2026, 7, 1),
            [D(2025, 12, 31), D(2026, 3, 31), D(2026, 6, 30)],
        ),
        (
            Recurrence.TWICE_MONTHLY,
            D(2025, 12, 10),
            D(2026, 2, 28),
            [
                D(2025, 12, 15),
                D(2025, 12, 31),
                D(2026, 1, 15),
                D(2026, 1, 31),
                D(2026, 2, 15),
                D(2026, 2, 28),
            ],
        ),
        (
            Recurrence.MONTHLY,
            D(2024, 1, 1),
            D(2024, 3, 31),
            [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)],
        ),
        (
            Recurrence.WEEKLY,
            D(2025, 12, 24),
            D(2026, 1, 10),
            [D(2025, 12, 26), D(2026, 1, 2), D(2026, 1, 9)],
        ),
        (
            Recurrence.YEARLY,
            D(2023, 6, 11),
            D(2025, 12, 31),
            [D(2023, 12, 31), D(2024, 12, 31), D(2025, 12, 31)],
        ),
    ],
)
def test_recurring_tasks_fall_due_at_each_period_end_across_months_and_years(
    recurrence: Recurrence, start: dt.date, until: dt.date, expected: list[dt.date]
) -> None:
    assert due_dates(recurrence, start, until) == expected


def test_a_one_off_task_has_one_occurrence_on_its_deadline() -> None:
    assert due_dates(Recurrence.NONE, D(2025, 1, 1), D(2026, 1, 1), D(2025, 9, 30)) == [
        D(2025, 9, 30)
    ]


def test_a_recurring_task_stops_at_its_deadline() -> None:
    dates = due_dates(Recurrence.QUARTERLY, D(2025, 1, 1), D(2027, 1, 1), D(2025, 9, 30))
    assert dates == [D(2025, 3, 31), D(2025, 6, 30), D(2025, 9, 30)]


@pytest.mark.django_db
def test_a_collective_lead_expands_to_every_commune_each_quarter(directive: Document) -> None:
    communes = Occurrence.objects.filter(task__lead_text="UBND các xã")
    assert sorted({o.unit.code for o in communes if o.unit}) == [
        "nghe-an.xa-dien-chau",
        "nghe-an.xa-nghi-loc",
    ]
    assert sorted({o.due for o in communes}) == [
        D(2025, 9, 30),
        D(2025, 12, 31),
        D(2026, 3, 31),
        D(2026, 6, 30),
    ]


@pytest.mark.django_db
def test_extending_occurrences_adds_next_year_once(directive: Document) -> None:
    services.extend_occurrences("test", D(2027, 1, 1))
    count = Occurrence.objects.filter(task__lead_text="UBND các xã").count()
    services.extend_occurrences("test", D(2027, 1, 1))
    assert count == 2 * 6  # Q3/2025 … Q4/2026 for two communes
    assert Occurrence.objects.filter(task__lead_text="UBND các xã").count() == count


@pytest.mark.django_db
def test_an_open_task_becomes_due_soon_then_overdue_as_its_deadline_passes(
    finance_task: Occurrence,
) -> None:
    states = []
    for day in (D(2025, 9, 1), D(2025, 9, 20), D(2025, 9, 30), D(2025, 10, 1)):
        with time_machine.travel(dt.datetime(day.year, day.month, day.day, 8), tick=False):
            states.append(queries.state_of(finance_task, timezone.localdate()))
    assert states == [TaskState.OPEN, TaskState.DUE_SOON, TaskState.DUE_SOON, TaskState.OVERDUE]


@pytest.mark.django_db
def test_a_done_task_is_never_overdue(finance_task: Occurrence, owner: User) -> None:
    services.complete_occurrence(owner, finance_task)
    finance_task.refresh_from_db()
    assert queries.state_of(finance_task, D(2030, 1, 1)) == TaskState.DONE


@pytest.mark.django_db
def test_the_lead_unit_posts_progress_with_a_pdf_and_one_audit_row(
    finance_task: Occurrence, owner: User, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    before = AuditEvent.objects.count()
    upload = SimpleUploadedFile("du-toan.pdf", PDF, content_type="application/pdf")
    update = services.post_progress(
        owner, finance_task, note="Đã trình dự toán", percent=50, evidence=upload
    )
    finance_task.refresh_from_db()
    assert finance_task.status == OccurrenceStatus.IN_PROGRESS
    assert update.evidence_type == "application/pdf"
    assert str(tmp_path) in update.evidence.path
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.django_db
def test_another_unit_cannot_post_progress_on_a_task_that_is_not_its_own(
    finance_task: Occurrence, outsider: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.post_progress(outsider, finance_task, note="không phải việc của tôi")
    with pytest.raises(PermissionDenied):
        services.complete_occurrence(outsider, finance_task)


@pytest.mark.parametrize(
    ("name", "content"),
    [("virus.exe", b"MZ\x90\x00"), ("gia-mao.pdf", b"<html>not a pdf</html>")],
)
@pytest.mark.django_db
def test_files_that_are_not_what_they_claim_are_refused(
    finance_task: Occurrence, owner: User, name: str, content: bytes
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.post_progress(owner, finance_task, note="x", evidence=upload)


@pytest.mark.django_db
def test_files_over_the_size_limit_are_refused(
    finance_task: Occurrence, owner: User, settings: object
) -> None:
    settings.CHISO_PLANS_MAX_UPLOAD_BYTES = 10  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("lon.pdf", PDF, content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.post_progress(owner, finance_task, note="x", evidence=upload)


@pytest.mark.django_db
def test_only_the_province_admin_returns_work_and_it_comes_back_to_the_unit(
    finance_task: Occurrence, owner: User, admin_user: User
) -> None:
    services.complete_occurrence(owner, finance_task)
    with pytest.raises(PermissionDenied):
        services.return_occurrence(owner, finance_task, "tự trả lại")
    services.return_occurrence(admin_user, finance_task, "Thiếu quyết định giao dự toán")
    finance_task.refresh_from_db()
    assert queries.state_of(finance_task, D(2025, 9, 1)) == TaskState.RETURNED
    mine = queries.filter_state(Occurrence.objects.all(), TaskState.RETURNED, D(2025, 9, 1))
    assert list(mine) == [finance_task]


@pytest.mark.django_db
def test_leads_named_in_the_text_link_to_units_and_unknown_ones_keep_the_text(
    province: Unit,
) -> None:
    doc = services.create_document(
        "test",
        province=province,
        kind="plan",
        title="KH",
        issuer="UBND tỉnh",
        issued_on=D(2025, 1, 1),
    )
    known = services.assign_task(
        "test",
        doc,
        services.TaskSpec(
            text="…",
            lead_text="Văn phòng UBND tỉnh",
            coordinating_text=["Sở Tài chính", "các cơ quan, đơn vị liên quan"],
        ),
    )
    unknown = services.assign_task(
        "test", doc, services.TaskSpec(text="…", lead_text="Các cơ quan báo chí của tỉnh")
    )
    assert [u.code for u in known.leads.all()] == ["nghe-an.van-phong-ubnd-tinh"]
    assert [u.code for u in known.coordinating.all()] == ["nghe-an.so-tai-chinh"]
    assert list(unknown.leads.all()) == []
    assert unknown.occurrences.get().unit is None

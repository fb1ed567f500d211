"""Background jobs seen from the web: a big sheet import is committed by the worker while its
page shows progress; only its owner and the province's admins see the job; a job that fails
says why and writes nothing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent
from chiso.accounts.services import add_member, create_user
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import EntryChange, ensure_period, open_assessments
from chiso.collection.workflow import save_self_inputs
from chiso.frameworks.models import FrameworkVersion
from chiso.jobs.choices import JobKind, JobStatus
from chiso.jobs.models import Job
from chiso.jobs.testing import run_queued_tasks
from chiso.org.models import Unit

pytestmark = pytest.mark.django_db


def person(name: str, unit: Unit, role: str) -> User:
    user = create_user(name, "mật-khẩu-dài-2025", "test")
    add_member(user, unit, role, "test")
    return user


@pytest.fixture
def assessment(tayninh: FrameworkVersion, can_giuoc: Unit, settings: Any) -> Assessment:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CHISO_BACKGROUND_IMPORT_ROWS = 10  # the Cần Giuộc sheet (~60 rows) counts as big
    (opened,) = open_assessments(tayninh, ensure_period("2025"), [can_giuoc], "test")
    return opened


def preview_then_commit(client: Client, assessment: Assessment, sheet: Path) -> Any:
    url = reverse("exports:sheet", args=[assessment.pk])
    handle = io.BytesIO(sheet.read_bytes())
    handle.name = sheet.name
    preview = client.post(url, {"file": handle})
    checksum = preview.context["preview"].checksum
    return lambda: client.post(url, {"commit": "1", "checksum": checksum})


def filled(assessment: Assessment) -> int:
    return Entry.objects.filter(assessment=assessment).exclude(self_inputs={}).count()


def test_a_big_sheet_is_written_by_the_worker_while_its_page_shows_progress(
    assessment: Assessment, can_giuoc: Unit, sample_sheet: Path, client: Client
) -> None:
    client.force_login(person("cangiuoc", can_giuoc, Role.REPORTER))
    commit = preview_then_commit(client, assessment, sample_sheet)
    queued = commit()
    assert queued.status_code == 302 and "/reports/jobs/" in queued["Location"]
    job = Job.objects.get(kind=JobKind.IMPORT)
    assert job.status == JobStatus.QUEUED and filled(assessment) == 0
    waiting = client.get(queued["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "Đang chờ" in waiting
    assert run_queued_tasks() == 1
    assert filled(assessment) > 0
    poll = client.get(reverse("reports:job_progress", args=[job.pk]))
    assert poll.status_code == 286  # htmx stops polling
    text = poll.content.decode()
    assert "Hoàn thành" in text and 'value="100"' in text
    assert reverse("collection:detail", args=[assessment.pk]) in text
    assert AuditEvent.objects.filter(action="assessment.import_sheet").count() == 1


def test_only_the_owner_and_the_provinces_admin_see_a_job(
    assessment: Assessment, can_giuoc: Unit, tayninh: FrameworkVersion, sample_sheet: Path
) -> None:
    owner, admin, outsider = Client(), Client(), Client()
    owner.force_login(person("cangiuoc", can_giuoc, Role.REPORTER))
    admin.force_login(person("quantri", can_giuoc.parent, Role.ADMIN))  # type: ignore[arg-type]
    neighbour = Unit.objects.create(code="tay-ninh.xa-khac", kind="commune", name="Xã Khác",
                                    parent=can_giuoc.parent)  # fmt: skip
    outsider.force_login(person("xakhac", neighbour, Role.REPORTER))
    preview_then_commit(owner, assessment, sample_sheet)()
    job = Job.objects.get()
    for path in ("reports:job", "reports:job_progress"):
        url = reverse(path, args=[job.pk])
        assert owner.get(url).status_code == 200
        assert admin.get(url).status_code == 200
        assert outsider.get(url).status_code == 404
    assert job.scope in owner.get(reverse("reports:jobs")).content.decode()
    assert job.scope not in outsider.get(reverse("reports:jobs")).content.decode()


def test_a_job_that_fails_shows_why_and_writes_nothing(
    assessment: Assessment, can_giuoc: Unit, sample_sheet: Path, client: Client
) -> None:
    reporter = person("cangiuoc", can_giuoc, Role.REPORTER)
    client.force_login(reporter)
    commit = preview_then_commit(client, assessment, sample_sheet)
    # Someone saves between the preview and the worker's turn: the import must not overwrite.
    leaf = Entry.objects.filter(assessment=assessment, indicator__is_leaf=True).first()
    assert leaf is not None
    save_self_inputs(assessment, [EntryChange(leaf.indicator.code, {"points": 1})], reporter)
    before = filled(assessment)
    queued = commit()
    run_queued_tasks()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and job.error
    page = client.get(queued["Location"]).content.decode()
    assert 'role="alert"' in page and "Lỗi" in page
    assert filled(assessment) == before
    assert not AuditEvent.objects.filter(action="assessment.import_sheet").exists()
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404

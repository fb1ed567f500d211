"""Background jobs of the exports: the periodic report (DOCX/PDF, seconds of charts and
layout) and big web sheet imports. Both are queued by a view and run by `chiso worker`;
the page the user lands on polls the job's progress.

What stays in the request: the ranking and scorecard workbooks and the open data (a few
hundred rows, well under a second), and sheet imports under CHISO_BACKGROUND_IMPORT_ROWS.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from chiso.accounts.services import record
from chiso.collection.models import Assessment, Period
from chiso.exports import sheetimport
from chiso.exports.reports import data, periodic
from chiso.jobs import services as jobs
from chiso.jobs.choices import JobKind
from chiso.jobs.models import Job
from chiso.jobs.progress import Outcome, Reporter
from chiso.org.models import Unit

# --- the periodic report -----------------------------------------------------------------


@task()
def make_report(
    job_id: str, province_id: int, period_id: int, fmt: str, day: str, number: str = ""
) -> None:
    jobs.run(
        job_id,
        lambda reporter: build_report(reporter, province_id, period_id, fmt, day, number),
    )


def build_report(
    reporter: Reporter, province_id: int, period_id: int, fmt: str, day: str, number: str
) -> Outcome:
    province = Unit.objects.get(pk=province_id)
    period = Period.objects.get(pk=period_id)
    render, content_type = periodic.FORMATS[fmt]
    reporter.start(3, _("Đang tổng hợp số liệu"))
    report = data.build(province, period, dt.date.fromisoformat(day), number)
    reporter.advance(1, _("Đang vẽ biểu đồ và dàn trang"))
    content = render(report)
    reporter.advance(1, _("Đang lưu tệp"))
    return Outcome(
        message=_("Báo cáo đã sẵn sàng."),
        file_name=periodic.filename(province, period, fmt),
        content=content,
        content_type=content_type,
    )


@transaction.atomic
def request_report(
    user: AbstractBaseUser, province: Unit, period: Period, fmt: str, day: dt.date, number: str
) -> Job:
    """Queue the periodic report of `province` for `period`; KeyError for an unknown format."""
    periodic.FORMATS[fmt]  # fail before anything is written
    scope = _("Báo cáo chuyển đổi số %(p)s — %(u)s (%(f)s)") % {
        "p": period.label,
        "u": province.name,
        "f": fmt.upper(),
    }
    job = jobs.create_job(JobKind.REPORT, user=user, unit=province, scope=scope)
    args = {"province_id": province.pk, "period_id": period.pk, "fmt": fmt}
    jobs.enqueue(job, make_report, **args, day=day.isoformat(), number=number)
    record(user, "report.requested", province, new={**args, "period": period.code})
    return job


# --- big sheet imports ---------------------------------------------------------------------


def is_big(stored: dict[str, Any]) -> bool:
    return int(stored.get("rows", 0)) >= settings.CHISO_BACKGROUND_IMPORT_ROWS


@task()
def commit_sheet_job(job_id: str, assessment_id: int, stored: dict[str, Any], user_id: int) -> None:
    jobs.run(job_id, lambda reporter: commit_sheet(reporter, assessment_id, stored, user_id))


def commit_sheet(
    reporter: Reporter, assessment_id: int, stored: dict[str, Any], user_id: int
) -> Outcome:
    """The previewed sheet, written in one transaction (all rows or none)."""
    assessment = Assessment.objects.select_related("unit", "version").get(pk=assessment_id)
    user = get_user_model().objects.get(pk=user_id)
    reporter.start(1, _("Đang ghi %(n)s dòng") % {"n": stored["rows"]})
    changed = sheetimport.commit_sheet(assessment, stored, user)
    return Outcome(
        message=_("Đã ghi %(n)s chỉ tiêu.") % {"n": changed},
        link=reverse("collection:detail", args=[assessment.pk]),
    )


@transaction.atomic
def request_sheet_commit(
    user: AbstractBaseUser, assessment: Assessment, stored: dict[str, Any]
) -> Job:
    """Queue the commit of a previewed sheet; the job re-checks who may import, at run time."""
    scope = _("Nhập %(f)s (%(n)s dòng) — %(u)s") % {
        "f": stored["name"],
        "n": stored["rows"],
        "u": assessment.unit.name,
    }
    job = jobs.create_job(JobKind.IMPORT, user=user, unit=assessment.unit, scope=scope)
    jobs.enqueue(job, commit_sheet_job, assessment_id=assessment.pk, stored=stored, user_id=user.pk)
    record(user, "assessment.import_requested", assessment, new={"file": stored["name"]})
    return job

"""Re-scoring many cohorts (a whole national deployment) with progress, in the foreground
(`chiso rescore`, a bar on the terminal) or as a background job (`chiso rescore --background`).

Each cohort is re-scored in its own transaction (`services.rescore`): a failure stops the run
with every cohort either fully re-scored or untouched, and a re-run finishes the rest (the
re-score is idempotent). Progress counts assessments, so a big cohort moves the bar further.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django_tasks import task

from chiso.accounts.services import Actor, record
from chiso.collection.models import Assessment, Period
from chiso.frameworks.models import FrameworkVersion
from chiso.jobs import services as jobs
from chiso.jobs.choices import JobKind
from chiso.jobs.models import Job
from chiso.jobs.progress import SILENT, Outcome, Reporter
from chiso.scoring.services import RescoreReport, rescore


@dataclass(frozen=True)
class Cohort:
    version_id: int
    period_id: int
    size: int


def cohorts(framework: str = "", period: str = "") -> list[Cohort]:
    """Every (framework version, period) that has assessments, optionally narrowed."""
    rows = Assessment.objects.all()
    if framework:
        rows = rows.filter(version__framework__code=framework)
    if period:
        rows = rows.filter(period__code=period)
    counted = rows.values_list("version_id", "period_id").annotate(n=Count("id"))
    return [Cohort(v, p, n) for v, p, n in sorted(counted)]


def rescore_cohorts(found: list[Cohort], reporter: Reporter = SILENT) -> list[RescoreReport]:
    """Re-score each cohort in turn (one transaction each); raises what `rescore` raises."""
    reporter.start(sum(c.size for c in found), _("Tính lại điểm"))
    reports = []
    for cohort in found:
        report = rescore(
            FrameworkVersion.objects.get(pk=cohort.version_id),
            Period.objects.get(pk=cohort.period_id),
        )
        reports.append(report)
        reporter.advance(cohort.size, f"{report.version} · {report.period}")
    return reports


def _summary(reports: list[RescoreReport]) -> Outcome:
    snapshots = sum(r.snapshots for r in reports)
    return Outcome(
        message=_("Đã tính lại %(c)s nhóm đánh giá, %(s)s ảnh chụp điểm.")
        % {"c": len(reports), "s": snapshots}
    )


@task()
def rescore_job(job_id: str, framework: str = "", period: str = "") -> None:
    jobs.run(job_id, lambda reporter: _rescore_all(reporter, framework, period))


def _rescore_all(reporter: Reporter, framework: str, period: str) -> Outcome:
    return _summary(rescore_cohorts(cohorts(framework, period), reporter))


@transaction.atomic
def request_rescore(actor: Actor, framework: str = "", period: str = "") -> Job:
    """Queue a re-score of every matching cohort for the worker (`chiso worker`)."""
    scope = " · ".join(x for x in (framework, period) if x) or _("toàn bộ")
    user = None if isinstance(actor, str) else actor
    job = jobs.create_job(JobKind.RESCORE, user=user, scope=scope)
    jobs.enqueue(job, rescore_job, framework=framework, period=period)
    record(actor, "scoring.rescore_requested", job, new={"framework": framework, "period": period})
    return job

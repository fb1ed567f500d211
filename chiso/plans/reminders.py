"""Reminder mails: each lead unit's people about work due soon or overdue, and a weekly
digest for the province's leaders. A ReminderLog row per occurrence (unit mails) or per
person (digests) and day makes a second run on the same day send nothing again."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from chiso.accounts.access import visible_units
from chiso.accounts.choices import Role
from chiso.accounts.models import Membership
from chiso.accounts.services import Actor, record
from chiso.lib.formats import vn_date
from chiso.org.models import Unit
from chiso.plans import queries
from chiso.plans.choices import ReminderKind
from chiso.plans.models import Occurrence, ReminderLog

DEFAULT_DAYS = 7
DIGEST_WEEKDAY = 0  # Monday


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str


@dataclass
class RemindReport:
    unit_mails: list[Mail] = field(default_factory=list)
    digests: list[Mail] = field(default_factory=list)
    occurrences: int = 0


def send_reminders(
    acting_user: Actor,
    today: dt.date,
    *,
    days: int = DEFAULT_DAYS,
    dry_run: bool = False,
    digest: bool | None = None,
) -> RemindReport:
    """Send what is due today. `digest` None means "on Mondays". Mail errors propagate
    (SMTPException, OSError) after rolling back the log of the mail that failed."""
    report = RemindReport()
    for unit, items in _due_by_unit(today, days).items():
        mail = _unit_mail(unit, items, today)
        if mail.to and _send_once(mail, _unit_logs(items, today), dry_run):
            report.unit_mails.append(mail)
            report.occurrences += len(items)
    if digest if digest is not None else today.weekday() == DIGEST_WEEKDAY:
        report.digests = _digests(today, dry_run)
    if not dry_run and (report.unit_mails or report.digests):
        new = {"unit_mails": len(report.unit_mails), "digests": len(report.digests)}
        record(acting_user, "plans.remind", ReminderLog(day=today), new=new)
    return report


def _due_by_unit(today: dt.date, days: int) -> dict[Unit, list[Occurrence]]:
    reminded = ReminderLog.objects.filter(kind=ReminderKind.UNIT, day=today)
    qs = (
        Occurrence.objects.filter(queries.open_q(), unit__isnull=False)
        .filter(due__lte=today + dt.timedelta(days=days))
        .exclude(pk__in=reminded.values("occurrence_id"))
        .select_related("task__document", "unit")
        .order_by("due", "pk")
    )
    grouped: dict[Unit, list[Occurrence]] = defaultdict(list)
    for occurrence in qs:
        assert occurrence.unit is not None
        grouped[occurrence.unit].append(occurrence)
    return grouped


def recipients(unit: Unit) -> list[str]:
    """The unit's reporters and heads who have an e-mail address."""
    members = Membership.objects.filter(
        unit=unit, role__in=[Role.REPORTER, Role.HEAD], user__is_active=True
    ).exclude(user__email="")
    return sorted(set(members.values_list("user__email", flat=True)))


def _unit_mail(unit: Unit, items: list[Occurrence], today: dt.date) -> Mail:
    late = [o for o in items if o.is_overdue(today)]
    soon = [o for o in items if not o.is_overdue(today)]
    subject = _("[chiso] %(unit)s: %(late)d nhiệm vụ quá hạn, %(soon)d sắp đến hạn") % {
        "unit": unit.name,
        "late": len(late),
        "soon": len(soon),
    }
    lines = [_("Kính gửi %(unit)s,") % {"unit": unit.name}, ""]
    lines += _section(_("Quá hạn:"), late) + _section(_("Sắp đến hạn:"), soon)
    lines += [_("Cập nhật tiến độ tại: %(url)s") % {"url": _url("plans:my_tasks")}]
    return Mail(recipients(unit), subject, "\n".join(lines))


def _section(title: str, items: list[Occurrence]) -> list[str]:
    if not items:
        return []
    rows = [f"- [{vn_date(o.due)}] {o.task.text[:160]} ({o.task.document})" for o in items]
    return [title, *rows, ""]


def _unit_logs(items: list[Occurrence], today: dt.date) -> list[ReminderLog]:
    return [ReminderLog(kind=ReminderKind.UNIT, day=today, occurrence=o) for o in items]


def _send_once(mail: Mail, logs: list[ReminderLog], dry_run: bool) -> bool:
    """Log, then send, in one transaction: a concurrent run hits the unique constraint."""
    if dry_run:
        return True
    try:
        with transaction.atomic():
            ReminderLog.objects.bulk_create(logs)
            _deliver(mail)
    except IntegrityError:
        return False
    return True


def _deliver(mail: Mail) -> None:
    message = EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.to)
    with get_connection() as connection:
        connection.send_messages([message])


def _digests(today: dt.date, dry_run: bool) -> list[Mail]:
    sent = []
    for leader in _leaders(today):
        mail = _digest_mail(leader, today)
        log = ReminderLog(kind=ReminderKind.DIGEST, day=today, user=leader)
        if mail is not None and _send_once(mail, [log], dry_run):
            sent.append(mail)
    return sent


def _leaders(today: dt.date) -> QuerySet[User]:
    done = ReminderLog.objects.filter(kind=ReminderKind.DIGEST, day=today).values("user_id")
    ids = Membership.objects.filter(role=Role.LEADER).values("user_id")
    users = User.objects.filter(pk__in=ids, is_active=True).exclude(email="")
    return users.exclude(pk__in=done).order_by("pk")


def _digest_mail(leader: User, today: dt.date) -> Mail | None:
    visible = Occurrence.objects.filter(unit__in=visible_units(leader))
    rows = queries.overdue_by_unit(visible, today)
    if not rows:
        return None
    total = sum(r.overdue for r in rows)
    subject = _("[chiso] Tổng hợp tuần: %(n)d nhiệm vụ quá hạn") % {"n": total}
    lines = [_("Nhiệm vụ quá hạn theo đơn vị (đến %(d)s):") % {"d": vn_date(today)}, ""]
    lines += [f"- {r.name}: {r.overdue}" for r in rows[:30]]
    lines += ["", _("Danh sách đầy đủ: %(url)s") % {"url": _url("plans:overdue")}]
    return Mail([leader.email], subject, "\n".join(lines))


def _url(name: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name)}"

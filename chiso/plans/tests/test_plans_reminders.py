"""`chiso remind` against a real SMTP server (aiosmtpd on a free local port)."""

from __future__ import annotations

import datetime as dt
import email
import io
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.core.management import call_command

from chiso.plans import services
from chiso.plans.models import Document, Occurrence

MONDAY = dt.datetime(2025, 9, 15, 7, 0)  # Sở Nội vụ's task is due today, Sở Tài chính's in 15 days
TUESDAY = dt.datetime(2025, 9, 23, 7, 0)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        message["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Rcpt"]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox(settings: Any) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()


def _remind(*args: str) -> str:
    out = io.StringIO()
    call_command("remind", *args, stdout=out)
    return out.getvalue()


def _body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


@pytest.mark.django_db
def test_each_lead_unit_gets_one_mail_about_its_own_tasks_due_within_n_days(
    inbox: Inbox, directive: Document, owner: User, outsider: User, leader: User
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        _remind("--days", "7")
    home_affairs = inbox.to(outsider.email)
    assert len(home_affairs) == 1
    assert "Sở Nội vụ bố trí công chức" in _body(home_affairs[0])
    assert "Sở Tài chính" not in _body(home_affairs[0])
    assert inbox.to(owner.email) == []  # its deadline is 15 days away


@pytest.mark.django_db
def test_overdue_tasks_are_reminded_and_a_second_run_the_same_day_sends_nothing(
    inbox: Inbox, directive: Document, owner: User, outsider: User
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        _remind("--days", "7")
        first = len(inbox.messages)
        output = _remind("--days", "7")
    assert "Quá hạn:" in _body(inbox.to(outsider.email)[0])
    assert len(inbox.to(owner.email)) == 1  # due 30/9, within 7 days of 23/9
    assert len(inbox.messages) == first
    assert "Đã gửi 0 thư nhắc việc" in output


@pytest.mark.django_db
def test_the_next_day_the_still_overdue_task_is_reminded_again(
    inbox: Inbox, directive: Document, outsider: User
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        _remind()
    with time_machine.travel(TUESDAY + dt.timedelta(days=1), tick=False):
        _remind()
    assert len(inbox.to(outsider.email)) == 2


@pytest.mark.django_db
def test_done_tasks_and_dry_runs_send_nothing(
    inbox: Inbox, home_affairs_task: Occurrence, outsider: User, owner: User
) -> None:
    services.complete_occurrence(outsider, home_affairs_task)
    with time_machine.travel(TUESDAY, tick=False):
        output = _remind("--dry-run")
        assert inbox.messages == []
        assert owner.email in output
        _remind()
    assert inbox.to(outsider.email) == []


@pytest.mark.django_db
def test_leaders_get_a_weekly_digest_on_mondays_only_once(
    inbox: Inbox, directive: Document, leader: User, outsider: User
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        _remind()
    assert inbox.to(leader.email) == []  # not Monday
    with time_machine.travel(dt.datetime(2025, 9, 29, 7), tick=False):
        _remind()
        _remind()
    digests = inbox.to(leader.email)
    assert len(digests) == 1
    assert "Sở Nội vụ: 1" in _body(digests[0])


@pytest.mark.django_db
def test_the_digest_can_be_forced_on_another_day(
    inbox: Inbox, directive: Document, leader: User
) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        _remind("--digest")
    assert len(inbox.to(leader.email)) == 1

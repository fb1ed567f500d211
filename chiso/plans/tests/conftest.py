"""Personas and a small province for the plans tests (healthchecks' habit: named people)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from chiso.accounts.choices import Role
from chiso.accounts.models import Membership
from chiso.org.models import Unit
from chiso.plans import services
from chiso.plans.choices import DocumentKind, Recurrence
from chiso.plans.models import Document, Occurrence, Task
from chiso.plans.services import TaskSpec

PASSWORD = "mat-khau-thu-2025"


@pytest.fixture
def province(db: None) -> Unit:
    nghe_an = Unit.objects.create(code="nghe-an", kind="province", name="Tỉnh Nghệ An")
    for code, name in [
        ("so-tai-chinh", "Sở Tài chính"),
        ("so-noi-vu", "Sở Nội vụ"),
        ("van-phong-ubnd-tinh", "Văn phòng UBND tỉnh"),
    ]:
        Unit.objects.create(code=f"nghe-an.{code}", kind="department", name=name, parent=nghe_an)
    for code, name in [("xa-nghi-loc", "Xã Nghi Lộc"), ("xa-dien-chau", "Xã Diễn Châu")]:
        Unit.objects.create(code=f"nghe-an.{code}", kind="commune", name=name, parent=nghe_an)
    return nghe_an


def person(username: str, unit: Unit, role: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.vn", PASSWORD)
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def finance(province: Unit) -> Unit:
    return Unit.objects.get(code="nghe-an.so-tai-chinh")


@pytest.fixture
def home_affairs(province: Unit) -> Unit:
    return Unit.objects.get(code="nghe-an.so-noi-vu")


@pytest.fixture
def owner(finance: Unit) -> User:
    """A reporter of Sở Tài chính: updates its tasks."""
    return person("chuyenvien-stc", finance, Role.REPORTER)


@pytest.fixture
def outsider(home_affairs: Unit) -> User:
    """A reporter of Sở Nội vụ: must not see Sở Tài chính's tasks."""
    return person("chuyenvien-snv", home_affairs, Role.REPORTER)


@pytest.fixture
def leader(province: Unit) -> User:
    return person("lanhdao", province, Role.LEADER)


@pytest.fixture
def admin_user(province: Unit) -> User:
    return person("quantri", province, Role.ADMIN)


@pytest.fixture
def other_admin(province: Unit) -> User:
    """The admin of another province (Hà Tĩnh)."""
    ha_tinh = Unit.objects.create(code="ha-tinh", kind="province", name="Tỉnh Hà Tĩnh")
    return person("quantri-ht", ha_tinh, Role.ADMIN)


@pytest.fixture
def directive(province: Unit) -> Document:
    doc = services.create_document(
        "test",
        province=province,
        kind=DocumentKind.DIRECTIVE,
        number="12/CT-UBND",
        issued_on=dt.date(2025, 8, 1),
        issuer="UBND tỉnh Nghệ An",
        title="Chỉ thị về đẩy mạnh chuyển đổi số",
    )
    services.assign_task(
        "test",
        doc,
        TaskSpec(
            text="Sở Tài chính bố trí kinh phí chuyển đổi số năm 2026.",
            lead_text="Sở Tài chính",
            deliverable="Quyết định giao dự toán",
            deadline=dt.date(2025, 9, 30),
        ),
    )
    services.assign_task(
        "test",
        doc,
        TaskSpec(
            text="Sở Nội vụ bố trí công chức chuyên trách chuyển đổi số.",
            lead_text="Sở Nội vụ",
            deliverable="Quyết định phân công",
            deadline=dt.date(2025, 9, 15),
        ),
    )
    services.assign_task(
        "test",
        doc,
        TaskSpec(
            text="UBND các xã báo cáo kết quả chuyển đổi số hằng quý.",
            lead_text="UBND các xã",
            recurrence=Recurrence.QUARTERLY,
            deliverable="Báo cáo quý",
        ),
        until=dt.date(2026, 8, 1),
    )
    return doc


@pytest.fixture
def finance_task(directive: Document) -> Occurrence:
    return Occurrence.objects.get(task__lead_text="Sở Tài chính")


@pytest.fixture
def home_affairs_task(directive: Document) -> Occurrence:
    return Occurrence.objects.get(task__lead_text="Sở Nội vụ")


def task_of(doc: Document, lead: str) -> Task:
    return Task.objects.get(document=doc, lead_text=lead)

"""The tracking-sheet import from the web: preview, then commit; admin or the unit's reporter."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent
from chiso.accounts.services import add_member, create_user
from chiso.collection.models import Assessment, Entry
from chiso.collection.services import ensure_period, open_assessments
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit
from chiso.scoring.models import ScoreSnapshot


def person(name: str, unit: Unit, role: str) -> User:
    user = create_user(name, "mật-khẩu-dài-2025", "test")
    add_member(user, unit, role, "test")
    return user


@pytest.fixture
def assessment(tayninh: FrameworkVersion, can_giuoc: Unit) -> Assessment:
    (opened,) = open_assessments(tayninh, ensure_period("2025"), [can_giuoc], "test")
    return opened


def post_sheet(client: Client, assessment: Assessment, path: Path) -> object:
    handle = io.BytesIO(path.read_bytes())
    handle.name = path.name
    return client.post(reverse("exports:sheet", args=[assessment.pk]), {"file": handle})


@pytest.mark.django_db(transaction=True)
def test_the_units_reporter_previews_then_commits_the_can_giuoc_sheet(
    assessment: Assessment, can_giuoc: Unit, sample_sheet: Path, client: Client
) -> None:
    client.force_login(person("cangiuoc", can_giuoc, Role.REPORTER))
    preview = post_sheet(client, assessment, sample_sheet)
    assert preview.status_code == 200
    assert Entry.objects.filter(assessment=assessment).exclude(self_inputs={}).count() == 0
    changes = preview.context["changes"]  # type: ignore[attr-defined]
    assert ("1.1", "self") in {(c.code, c.input) for c in changes}
    checksum = preview.context["preview"].checksum  # type: ignore[attr-defined]
    url = reverse("exports:sheet", args=[assessment.pk])
    assert client.post(url, {"commit": "1", "checksum": checksum}).status_code == 302
    own = ScoreSnapshot.objects.get(assessment=assessment, stage="self")
    assert own.total == pytest.approx(787.84, abs=1e-6)
    assert AuditEvent.objects.filter(action="assessment.import_sheet").get().actor_label == (
        "cangiuoc"
    )


@pytest.mark.django_db
def test_a_sheet_with_a_bad_row_names_row_and_column_and_writes_nothing(
    assessment: Assessment, can_giuoc: Unit, tmp_path: Path, client: Client
) -> None:
    client.force_login(person("cangiuoc", can_giuoc, Role.REPORTER))
    path = tmp_path / "sheet.csv"
    path.write_text("Mã,Tự đánh giá\n1.1,mười\n", encoding="utf-8")
    before = AuditEvent.objects.count()
    response = post_sheet(client, assessment, path)
    assert response.status_code == 400
    problems = response.context["problems"]  # type: ignore[attr-defined]
    assert any('Dòng 2, cột "Tự đánh giá"' in p for p in problems), problems
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_leader_may_not_import_and_another_unit_sees_nothing(
    assessment: Assessment, can_giuoc: Unit, client: Client
) -> None:
    province = can_giuoc.parent
    assert province is not None
    other = Unit.objects.create(code="tay-ninh.xa-khac", kind="commune", name="Xã Khác")
    url = reverse("exports:sheet", args=[assessment.pk])
    client.force_login(person("lanhdao", province, Role.LEADER))
    assert client.get(url).status_code == 403
    client.force_login(person("xakhac", other, Role.REPORTER))
    assert client.get(url).status_code == 404

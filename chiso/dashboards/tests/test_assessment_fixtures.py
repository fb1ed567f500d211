"""Named personas and a small framework with every kind of input, shared by the assessment
page tests (imported by them; this module holds no tests of its own)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from chiso.accounts.choices import Role
from chiso.accounts.services import add_member, create_user
from chiso.collection.choices import EvidenceKind
from chiso.collection.models import Assessment, Entry, Evidence
from chiso.collection.services import EntryChange, ensure_period, open_assessments
from chiso.collection.workflow import save_self_inputs
from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.frameworks.services import load_framework
from chiso.org.models import Unit

FRAMEWORK = """
code: web-commune
title: Bộ chỉ số thử trang đánh giá
status: example
provenance: Dữ liệu thử nghiệm.
scale: 100
unit_kinds: [commune]
tree:
  - code: "1"
    name: Chính quyền số
    level: main
    max_points: 60
    children:
      - {level: sub, code: "1.1", name: Hồ sơ xử lý trực tuyến, max_points: 30,
         rule: {kind: ratio}, verifier: t.van-phong}
      - {level: sub, code: "1.2", name: Có kế hoạch chuyển đổi số năm, max_points: 10,
         rule: {kind: boolean}, evidence_required: true, evidence: Kế hoạch của UBND xã}
      - {level: sub, code: "1.3", name: Tỷ lệ thanh toán không dùng tiền mặt, max_points: 20,
         rule: {kind: ratio, input: percent}}
  - code: "2"
    name: Xã hội số
    level: main
    max_points: 40
    children:
      - {level: sub, code: "2.1", name: Số tin bài về chuyển đổi số, max_points: 20,
         rule: {kind: per_item, points_per_item: 1, cap: 20}}
      - level: sub
        code: "2.2"
        name: Trưởng ban chỉ đạo
        max_points: 20
        rule:
          kind: choice
          options:
            - {key: chu-tich, label: Chủ tịch UBND xã, fraction: 1}
            - {key: pho-chu-tich, label: Phó Chủ tịch UBND xã, fraction: 0.5}
"""
PASSWORD = "mật-khẩu-dài-2025"
ROLES = ("admin", "reporter", "head", "verifier", "leader", "auditor")


class Cast:
    """The commune's reporter and head, the province's admin, leader and auditor, the
    verifying office, and another commune (with its own assessment) for "not yours"."""

    def __init__(self, tmp_path: Path) -> None:
        path = tmp_path / "web.yaml"
        path.write_text(FRAMEWORK, encoding="utf-8")
        load_framework(path, actor="test")
        version = Framework.objects.get(code="web-commune").latest_version()
        assert version is not None
        self.version: FrameworkVersion = version
        self.province = Unit.objects.create(code="t", kind="province", name="Tỉnh Thử")
        self.commune = self._unit("t.xa-a", "commune", "Xã A")
        self.other_commune = self._unit("t.xa-b", "commune", "Xã B")
        office = self._unit("t.van-phong", "department", "Văn phòng UBND tỉnh")
        self.period = ensure_period("2025")
        self.period.closes_on = dt.date(2026, 1, 31)
        self.period.save()
        self.people: dict[str, User] = {
            "reporter": self._person("reporter", self.commune, Role.REPORTER),
            "head": self._person("head", self.commune, Role.HEAD),
            "verifier": self._person("verifier", office, Role.VERIFIER),
            "admin": self._person("admin", self.province, Role.ADMIN),
            "leader": self._person("leader", self.province, Role.LEADER),
            "auditor": self._person("auditor", self.province, Role.AUDITOR),
        }
        self.outsider = self._person("outsider", self.other_commune, Role.REPORTER)
        self.mine, self.theirs = open_assessments(
            version, self.period, [self.commune, self.other_commune], "test"
        )

    def _unit(self, code: str, kind: str, name: str) -> Unit:
        return Unit.objects.create(code=code, kind=kind, name=name, parent=self.province)

    def _person(self, name: str, unit: Unit, role: str) -> User:
        user = create_user(name, PASSWORD, "test")
        add_member(user, unit, role, "test")
        return user

    def __getattr__(self, name: str) -> User:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def client(self, who: str | None) -> Client:
        client = Client()
        if who is not None:
            user = self.outsider if who == "outsider" else self.people[who]
            client.force_login(user)
        return client

    def entry(self, code: str, assessment: Assessment | None = None) -> Entry:
        return (
            (assessment or self.mine).entries.select_related("indicator").get(indicator__code=code)
        )

    def fill(self, assessment: Assessment | None = None) -> None:
        target = assessment or self.mine
        reporter = self.reporter if target == self.mine else self.outsider
        save_self_inputs(
            target,
            [
                EntryChange("1.1", {"numerator": 90, "denominator": 100}),
                EntryChange("1.2", {"value": 1}),
                EntryChange("1.3", {"percent": 50}),
                EntryChange("2.1", {"count": 12}),
                EntryChange("2.2", {"choice": "chu-tich"}),
            ],
            reporter,
        )

    def plan(self, assessment: Assessment | None = None) -> Evidence:
        target = assessment or self.mine
        evidence = Evidence.objects.create(
            unit=target.unit,
            kind=EvidenceKind.DOCUMENT,
            number="12/KH-UBND",
            issued_on=dt.date(2025, 2, 1),
            signer="Chủ tịch UBND xã",
            summary="Kế hoạch chuyển đổi số năm 2025",
        )
        evidence.entries.add(self.entry("1.2", target))
        return evidence

    def reload(self) -> Assessment:
        self.mine = Assessment.objects.get(pk=self.mine.pk)
        return self.mine


@pytest.fixture(name="cast")
def cast_fixture(db: None, tmp_path: Path) -> Cast:
    return Cast(tmp_path)


def leaf_post(entry: Entry, revision: int, **inputs: Any) -> dict[str, Any]:
    """What the autosave sends for one leaf: its boxes, what it was drawn with, the revision."""
    import json

    data: dict[str, Any] = {f"in-{entry.pk}-{k}": v for k, v in inputs.items()}
    data[f"base-{entry.pk}"] = json.dumps(entry.self_inputs or {}, sort_keys=True)
    data["rev"] = str(revision)
    return data

"""A small province with named personas for the Excel and API tests.

Province `t` has communes `t.xa-a` (ours) and `t.xa-b`, and the verifying office
`t.van-phong`; province `u` is somewhere else. Each role has an "own" person (who reaches
`t.xa-a`) and an "other" person (who holds the same role but not over `t.xa-a`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.models import User

from chiso.accounts.choices import Role
from chiso.accounts.services import add_member, create_user
from chiso.collection.models import Assessment
from chiso.collection.services import EntryChange, ensure_period, open_assessments
from chiso.collection.workflow import save_self_inputs, transition, verify_entry
from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.frameworks.services import load_framework
from chiso.org.models import Unit

FRAMEWORK = """
code: rt-commune
title: Bộ chỉ số thử xuất nhập Excel
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
      - {level: sub, code: "1.1", name: Hồ sơ xử lý trực tuyến, max_points: 20,
         rule: {kind: ratio}, verifier: t.van-phong}
      - {level: sub, code: "1.2", name: Có kế hoạch chuyển đổi số năm, max_points: 10,
         rule: {kind: boolean}}
      - {level: sub, code: "1.3", name: Số tin bài về chuyển đổi số, max_points: 20,
         rule: {kind: per_item, points_per_item: 1, cap: 20}}
      - {level: sub, code: "1.4", name: Tỷ lệ người dân có kỹ năng số, max_points: 10,
         rule: {kind: ratio, input: percent}}
  - code: "2"
    name: Xã hội số
    level: main
    max_points: 40
    children:
      - level: sub
        code: "2.1"
        name: Ban chỉ đạo chuyển đổi số
        max_points: 40
        rule:
          kind: choice
          options:
            - {key: chu-tich, label: Trưởng ban là Chủ tịch UBND xã, fraction: 1}
            - {key: pho, label: Trưởng ban là Phó Chủ tịch, fraction: 0.5}
            - {key: chua-co, label: Chưa thành lập, fraction: 0}
"""

PASSWORD = "mật-khẩu-dài-2025"
ROLES = [Role.ADMIN, Role.REPORTER, Role.HEAD, Role.VERIFIER, Role.LEADER, Role.AUDITOR]
FILLED = {
    "1.1": {"numerator": 90, "denominator": 100},
    "1.2": {"value": 1},
    "1.3": {"count": 12},
    "1.4": {"percent": 55.5},
    "2.1": {"choice": "pho"},
}


class Cast:
    def __init__(self, tmp_path: Path) -> None:
        path = tmp_path / "rt.yaml"
        path.write_text(FRAMEWORK, encoding="utf-8")
        load_framework(path, actor="test")
        version = Framework.objects.get(code="rt-commune").latest_version()
        assert version is not None
        self.version: FrameworkVersion = version
        self.province = Unit.objects.create(code="t", kind="province", name="Tỉnh Thử")
        self.commune = self._unit("t.xa-a", "Xã A", self.province)
        self.neighbour = self._unit("t.xa-b", "Xã B", self.province)
        self.office = Unit.objects.create(
            code="t.van-phong", kind="department", name="Văn phòng UBND tỉnh", parent=self.province
        )
        self.far = Unit.objects.create(code="u", kind="province", name="Tỉnh Khác")
        self.far_commune = self._unit("u.xa-c", "Xã C", self.far)
        self.far_office = Unit.objects.create(
            code="u.van-phong", kind="department", name="Văn phòng Tỉnh Khác", parent=self.far
        )
        self.people = {f"{r}-{s}": self._person(r, s) for r in ROLES for s in ("own", "other")}
        self.period = ensure_period("2025")
        self.assessment, self.other_assessment = open_assessments(
            version, self.period, [self.commune, self.neighbour], "test"
        )

    def _unit(self, code: str, name: str, parent: Unit) -> Unit:
        return Unit.objects.create(
            code=code, kind="commune", name=name, parent=parent, valid_from=dt.date(2020, 1, 1)
        )

    def _person(self, role: str, scope: str) -> User:
        user = create_user(f"{role}-{scope}", PASSWORD, "test")
        add_member(user, self._unit_for(role, scope), role, "test")
        return user

    def _unit_for(self, role: str, scope: str) -> Unit:
        if role in (Role.REPORTER, Role.HEAD):
            return self.commune if scope == "own" else self.neighbour
        if role == Role.VERIFIER:
            return self.office if scope == "own" else self.far_office
        return self.province if scope == "own" else self.far

    @property
    def reporter(self) -> User:
        return self.people["reporter-own"]

    def fill(self, values: dict[str, dict[str, object]] = FILLED) -> None:
        changes = [EntryChange(code, dict(inputs)) for code, inputs in values.items()]
        save_self_inputs(self.assessment, changes, self.reporter)

    def move_to(self, status: str) -> Assessment:
        """Take our assessment to `submitted`, `signed` or `verified` through the services."""
        self.fill()
        transition(self.assessment, "submit", self.reporter)
        if status != "submitted":
            transition(self.assessment, "sign", self.people["head-own"])
        if status == "verified":
            verify_entry(self.assessment, "1.1", self.people["verifier-own"])
        self.assessment.refresh_from_db()
        return self.assessment

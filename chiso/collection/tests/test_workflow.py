"""The assessment workflow as services, with named personas: allowed and forbidden paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent
from chiso.accounts.services import add_member, create_user
from chiso.collection.choices import AssessmentStatus as S
from chiso.collection.choices import EvidenceKind, Review
from chiso.collection.models import Assessment, Evidence
from chiso.collection.services import ConflictError, EntryChange, ensure_period, open_assessments
from chiso.collection.workflow import (
    NotAllowed,
    WorkflowError,
    allowed_transitions,
    changes_since_approval,
    fix_returned,
    review_entry,
    save_self_inputs,
    transition,
    verify_entry,
)
from chiso.frameworks.models import Framework, FrameworkVersion
from chiso.frameworks.services import load_framework
from chiso.org.models import Unit
from chiso.scoring.models import ScoreSnapshot

FRAMEWORK = """
code: wf-commune
title: Bộ chỉ số thử quy trình
status: example
provenance: Dữ liệu thử nghiệm.
scale: 100
unit_kinds: [commune]
tree:
  - code: "1"
    name: Chính quyền số
    level: main
    max_points: 100
    children:
      - level: sub
        code: "1.1"
        name: Hồ sơ xử lý trực tuyến
        max_points: 60
        rule: {kind: ratio}
        verifier: t.van-phong
      - level: sub
        code: "1.2"
        name: Có kế hoạch chuyển đổi số năm
        max_points: 40
        rule: {kind: boolean}
        evidence_required: true
        evidence: Kế hoạch của UBND xã
"""


class Cast:
    """Named personas: the commune's reporter and head, the verifier, the province admin,
    and an outsider (reporter of another commune)."""

    def __init__(self, tmp_path: Path) -> None:
        path = tmp_path / "wf.yaml"
        path.write_text(FRAMEWORK, encoding="utf-8")
        load_framework(path, actor="test")
        version = Framework.objects.get(code="wf-commune").latest_version()
        assert version is not None
        self.version: FrameworkVersion = version
        province = Unit.objects.create(code="t", kind="province", name="Tỉnh Thử")
        self.commune = Unit.objects.create(
            code="t.xa-a",
            kind="commune",
            name="Xã A",
            parent=province,
            valid_from=dt.date(2020, 1, 1),
        )
        other = Unit.objects.create(code="t.xa-b", kind="commune", name="Xã B", parent=province)
        office = Unit.objects.create(
            code="t.van-phong", kind="department", name="Văn phòng UBND tỉnh", parent=province
        )
        self.reporter = self._person("reporter", self.commune, Role.REPORTER)
        self.head = self._person("head", self.commune, Role.HEAD)
        self.verifier = self._person("verifier", office, Role.VERIFIER)
        self.admin = self._person("admin", province, Role.ADMIN)
        self.outsider = self._person("outsider", other, Role.REPORTER)
        (self.assessment,) = open_assessments(version, ensure_period("2025"), [self.commune], "t")

    def _person(self, name: str, unit: Unit, role: str) -> User:
        user = create_user(name, "mật-khẩu-dài-2025", "test")
        add_member(user, unit, role, "test")
        return user

    def fill(self) -> None:
        save_self_inputs(
            self.assessment,
            [
                EntryChange("1.1", {"numerator": 90, "denominator": 100}),
                EntryChange("1.2", {"value": 1}),
            ],
            self.reporter,
        )

    def attach_plan(self) -> None:
        evidence = Evidence.objects.create(
            unit=self.commune,
            kind=EvidenceKind.DOCUMENT,
            number="12/KH-UBND",
            issued_on=dt.date(2025, 2, 1),
            signer="Chủ tịch UBND xã",
            summary="Kế hoạch CĐS 2025",
        )
        evidence.entries.add(self.assessment.entries.get(indicator__code="1.2"))

    def final_total(self) -> float:
        return ScoreSnapshot.objects.get(assessment=self.assessment, stage="final").total


@pytest.fixture
def cast(db: None, tmp_path: Path) -> Cast:
    return Cast(tmp_path)


@pytest.mark.django_db(transaction=True)
def test_the_whole_cycle_runs_with_each_persona_doing_their_part(cast: Cast) -> None:
    a = cast.assessment
    cast.fill()
    cast.attach_plan()
    transition(a, "submit", cast.reporter)
    transition(a, "sign", cast.head)
    assert a.status == S.SIGNED
    verify_entry(
        a,
        "1.1",
        cast.verifier,
        corrected={"numerator": 75, "denominator": 100},
        reason="Số liệu hệ thống một cửa điện tử",
    )
    assert a.status == S.VERIFIED
    review_entry(a, "1.1", Review.ACCEPTED, cast.admin)
    review_entry(a, "1.2", Review.RETURNED, cast.admin, comment="Kế hoạch chưa ký số")
    assert a.status == S.RETURNED
    fix_returned(a, EntryChange("1.2", {"value": 1}, note="Đã ký số"), cast.reporter)
    transition(a, "resubmit", cast.reporter)
    review_entry(a, "1.2", Review.ACCEPTED, cast.admin)
    assert a.status == S.REVIEWED
    transition(a, "approve", cast.admin)
    transition(a, "lock", cast.admin)
    assert Assessment.objects.get(pk=a.pk).status == S.LOCKED
    assert cast.final_total() == pytest.approx(0.75 * 60 + 40)
    assert ScoreSnapshot.objects.get(assessment=a, stage="self").total == pytest.approx(94.0)


@pytest.mark.django_db(transaction=True)
def test_every_transition_leaves_an_audit_row_with_actor_and_states(cast: Cast) -> None:
    cast.fill()
    cast.attach_plan()
    transition(cast.assessment, "submit", cast.reporter)
    row = AuditEvent.objects.filter(action="assessment.submit").get()
    assert (row.actor, row.old, row.new) == (
        cast.reporter,
        {"status": "draft"},
        {"status": "submitted"},
    )
    edits = AuditEvent.objects.filter(action="entry.update", actor=cast.reporter)
    assert {tuple(e.new["self_inputs"]) for e in edits} == {
        ("numerator", "denominator"),
        ("value",),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("persona", "action"),
    [("outsider", "submit"), ("head", "submit"), ("verifier", "submit"), ("reporter", "sign")],
)
def test_a_transition_by_the_wrong_persona_is_refused(
    cast: Cast, persona: str, action: str
) -> None:
    cast.fill()
    cast.attach_plan()
    if action == "sign":
        transition(cast.assessment, "submit", cast.reporter)
    with pytest.raises(NotAllowed):
        transition(cast.assessment, action, getattr(cast, persona))


@pytest.mark.django_db(transaction=True)
def test_an_outsider_cannot_edit_another_units_figures(cast: Cast) -> None:
    with pytest.raises(NotAllowed):
        save_self_inputs(cast.assessment, [EntryChange("1.2", {"value": 1})], cast.outsider)
    assert cast.assessment.entries.get(indicator__code="1.2").self_inputs == {}


@pytest.mark.django_db(transaction=True)
def test_submitting_without_required_evidence_is_refused_with_the_indicator(cast: Cast) -> None:
    cast.fill()
    with pytest.raises(WorkflowError, match=r"1\.2: thiếu minh chứng bắt buộc"):
        transition(cast.assessment, "submit", cast.reporter)
    assert Assessment.objects.get(pk=cast.assessment.pk).status == S.DRAFT


@pytest.mark.django_db(transaction=True)
def test_a_submitted_assessment_cannot_be_edited_by_the_reporter(cast: Cast) -> None:
    cast.fill()
    cast.attach_plan()
    transition(cast.assessment, "submit", cast.reporter)
    with pytest.raises(WorkflowError, match="không sửa được"):
        save_self_inputs(cast.assessment, [EntryChange("1.2", {"value": 0})], cast.reporter)


@pytest.mark.django_db(transaction=True)
def test_only_the_owning_verifier_confirms_and_only_after_signing(cast: Cast) -> None:
    cast.fill()
    cast.attach_plan()
    with pytest.raises(WorkflowError, match="đã được lãnh đạo ký"):
        verify_entry(cast.assessment, "1.1", cast.verifier)
    transition(cast.assessment, "submit", cast.reporter)
    transition(cast.assessment, "sign", cast.head)
    with pytest.raises(NotAllowed):
        verify_entry(cast.assessment, "1.2", cast.verifier)


@pytest.mark.django_db(transaction=True)
def test_returning_or_correcting_requires_a_comment(cast: Cast) -> None:
    cast.fill()
    cast.attach_plan()
    transition(cast.assessment, "submit", cast.reporter)
    transition(cast.assessment, "sign", cast.head)
    verify_entry(cast.assessment, "1.1", cast.verifier)
    with pytest.raises(WorkflowError, match="lý do"):
        review_entry(cast.assessment, "1.2", Review.RETURNED, cast.admin)
    with pytest.raises(NotAllowed):
        review_entry(cast.assessment, "1.2", Review.ACCEPTED, cast.reporter)


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_assessment_never_overwrite_silently(cast: Cast) -> None:
    seen = cast.assessment.revision
    save_self_inputs(
        cast.assessment, [EntryChange("1.2", {"value": 1})], cast.reporter, expected_revision=seen
    )
    with pytest.raises(ConflictError) as caught:
        save_self_inputs(
            cast.assessment,
            [EntryChange("1.2", {"value": 0})],
            cast.reporter,
            expected_revision=seen,
        )
    assert caught.value.current == {"1.2": {"value": 1}}
    assert any("đang lưu: value = 1; bạn nhập: value = 0" in m for m in caught.value.messages)
    assert cast.assessment.entries.get(indicator__code="1.2").self_inputs == {"value": 1}


@pytest.mark.django_db(transaction=True)
def test_the_buttons_offered_follow_state_and_role(cast: Cast) -> None:
    assert [t.name for t in allowed_transitions(cast.reporter, cast.assessment)] == ["submit"]
    assert allowed_transitions(cast.head, cast.assessment) == []
    assert allowed_transitions(cast.outsider, cast.assessment) == []


@pytest.mark.django_db(transaction=True)
def test_edits_after_approval_are_counted(cast: Cast) -> None:
    a = cast.assessment
    cast.fill()
    cast.attach_plan()
    for name, who in (("submit", cast.reporter), ("sign", cast.head)):
        transition(a, name, who)
    verify_entry(a, "1.1", cast.verifier)
    for code in ("1.1", "1.2"):
        review_entry(a, code, Review.ACCEPTED, cast.admin)
    transition(a, "approve", cast.admin)
    assert changes_since_approval(a) == 0
    transition(a, "reopen", cast.admin, reason="Sửa sai sót")
    review_entry(
        a,
        "1.2",
        Review.CORRECTED,
        cast.admin,
        corrected={"value": 0},
        comment="Kế hoạch ban hành sau kỳ đánh giá",
    )
    assert changes_since_approval(Assessment.objects.get(pk=a.pk)) == 1

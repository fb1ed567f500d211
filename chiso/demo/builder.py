"""Build the demo: Nghệ An's real units with illustrative assessments for 2023–2025, the
real Tây Ninh commune framework with xã Cần Giuộc's real 2025 assessment, and the official
DTI 2022 national ranking. Idempotent: running it again rebuilds the same data."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from chiso.accounts.choices import Role
from chiso.accounts.services import add_member, create_user
from chiso.collection.choices import AssessmentStatus, Stage
from chiso.collection.models import Assessment, Period
from chiso.collection.services import (
    bulk_load_inputs,
    ensure_period,
    import_assessments,
    leaves_by_kind,
    open_assessments,
)
from chiso.collection.sheets import import_sheet
from chiso.dashboards.services import publish
from chiso.demo.generator import capability, inputs_for, rng_for
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.frameworks.services import load_builtin_frameworks
from chiso.org.choices import UnitKind
from chiso.org.loaders import load_current_divisions, load_historic_divisions, load_organisations
from chiso.org.models import Unit
from chiso.org.services import resolve
from chiso.scoring.models import PublishedResult

DATA = Path(__file__).parent / "data"
ORG_DATA = Path(__file__).resolve().parents[1] / "org" / "data"
ACTOR = "demo"
PROVINCE = "nghe-an"
YEARS = (2023, 2024, 2025)
REFORM = dt.date(2025, 7, 1)
DTI_2022_MAINS = {
    "nhan_thuc_so": "1",
    "the_che_so": "2",
    "ha_tang_so": "3",
    "nhan_luc_so": "4",
    "an_toan_thong_tin_mang": "5",
    "hoat_dong_chinh_quyen_so": "7",
    "hoat_dong_kinh_te_so": "8",
    "hoat_dong_xa_hoi_so": "9",
}
DEMO_PASSWORD = "chiso-demo-2025"
# username → (full name, [(unit code, role)]): one person per role of ARCHITECTURE.md.
DEMO_PEOPLE: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "admin": ("Quản trị hệ thống", []),
    "quantri": ("Nguyễn Văn Quản", [("nghe-an", Role.ADMIN)]),
    "lanhdao": ("Trần Thị Lãnh", [("nghe-an", Role.LEADER)]),
    "kiemtra": ("Lê Văn Kiểm", [("nghe-an", Role.AUDITOR)]),
    "vanphong": ("Phạm Thị Xác", [("nghe-an.van-phong-ubnd-tinh", Role.VERIFIER)]),
    "taichinh": ("Hoàng Văn Tài", [("nghe-an.so-tai-chinh", Role.REPORTER)]),
    "taichinh.gd": ("Đặng Thị Giám", [("nghe-an.so-tai-chinh", Role.HEAD)]),
    "nghiloc": ("Võ Văn Lộc", [("nghe-an.xa-nghi-loc", Role.REPORTER)]),
    "nghiloc.ct": ("Bùi Thị Chủ", [("nghe-an.xa-nghi-loc", Role.HEAD)]),
    "cangiuoc": ("Ngô Văn Giuộc", [("tay-ninh.xa-can-giuoc", Role.REPORTER)]),
}


@dataclass
class DemoReport:
    steps: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.steps.append(text)


def build(progress: Callable[[str], None] = print) -> DemoReport:
    report = DemoReport()
    steps = (_units, _frameworks, _dti_2022, _nghe_an, _can_giuoc, _users, _plans, _publications)
    for step in steps:
        text = step()
        report.say(text)
        progress(text)
    return report


def _units() -> str:
    current = load_current_divisions()
    historic = load_historic_divisions()
    orgs = load_organisations(ORG_DATA / "nghe-an.yaml")
    return f"Đơn vị: {current}; trước 1/7/2025: {historic}; sở, ngành: {orgs}"


def _frameworks() -> str:
    results = load_builtin_frameworks(ACTOR)
    return "Bộ chỉ số: " + ", ".join(f"{r.framework_code}@{r.version_number}" for r in results)


def _version(code: str) -> FrameworkVersion:
    version = Framework.objects.get(code=code).latest_version()
    assert version is not None, code
    return version


@transaction.atomic
def _dti_2022() -> str:
    version = _version("dti-province-2022")
    period = ensure_period("2022")
    day = dt.date(2022, 12, 31)
    with (DATA / "dti-2022-published-ranking.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        PublishedResult.objects.update_or_create(
            unit=resolve(row["province"], on=day),
            framework=version.framework,
            year=int(row["year"]),
            defaults={
                "rank": int(row["rank"]),
                "of": len(rows),
                "index": float(row["dti_total"]) if row["dti_total"] else None,
                "source_url": row["source_url"],
            },
        )
    with (DATA / "dti-2022-main-indices-top5.csv").open(encoding="utf-8") as handle:
        top = list(csv.DictReader(handle))
    units = [resolve(r["province"], on=day) for r in top]
    assessments = open_assessments(version, period, units, ACTOR)
    batch = {
        a: {Stage.SELF: {code: {"value": float(r[col])} for col, code in DTI_2022_MAINS.items()}}
        for a, r in zip(assessments, top, strict=True)
    }
    bulk_load_inputs(batch, ACTOR, status=AssessmentStatus.LOCKED)
    return f"DTI 2022: {len(rows)} tỉnh đã công bố, {len(top)} tỉnh có chỉ số thành phần"


def _nghe_an() -> str:
    province = Unit.objects.get(code=PROVINCE)
    departments = list(Unit.objects.filter(parent=province, kind=UnitKind.DEPARTMENT).current())
    communes = list(Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE))
    historic = list(
        Unit.objects.filter(
            kind=UnitKind.COMMUNE, code__startswith=f"h-{PROVINCE}.", valid_to__lt=REFORM
        )
    )
    counts = []
    for year in YEARS:
        period = ensure_period(str(year))
        counts.append(_assess(_version("nghean-department-example"), period, departments))
        cohort = communes if year >= REFORM.year else historic
        counts.append(_assess(_version("nghean-commune-example"), period, cohort))
    return f"Nghệ An: {sum(counts)} bản đánh giá minh hoạ (sở, ngành và xã, phường 2023–2025)"


@transaction.atomic
def _assess(version: FrameworkVersion, period: Period, units: list[Unit]) -> int:
    """Illustrative assessments for the units that have none yet (re-runs keep what exists)."""
    done = set(
        Assessment.objects.filter(version=version, period=period).values_list("unit_id", flat=True)
    )
    todo = [u for u in units if u.pk not in done]
    year = period.start.year
    leaves = leaves_by_kind(version)
    for status in _STATUSES:
        chosen = [u for u in todo if _status_for(u.code, year) == status]
        batch = {u: _unit_inputs(version, u, year, leaves[u.kind]) for u in chosen}
        if batch:
            import_assessments(version, period, batch, ACTOR, status=status)
    return len(units)


def _unit_inputs(
    version: FrameworkVersion, unit: Unit, year: int, leaves: list[Indicator]
) -> dict[str, Any]:
    level = capability(unit.code, year)
    rng = rng_for(unit.code, year, version.framework.code)
    own = {leaf.code: inputs_for(leaf, level, rng) for leaf in leaves}
    stages: dict[str, Any] = {Stage.SELF: own}
    if year < 2025 or rng.random() < 0.5:
        # The appraisal council lowers about one claim in six (missing or weak evidence).
        stages[Stage.APPRAISAL] = {
            leaf.code: inputs_for(leaf, level - 0.25, rng)
            for leaf in leaves
            if rng.random() < 1 / 6
        }
    return stages


_OPEN_STATES = [
    AssessmentStatus.DRAFT,
    AssessmentStatus.SUBMITTED,
    AssessmentStatus.SIGNED,
    AssessmentStatus.REVIEWED,
    AssessmentStatus.APPROVED,
]
_STATUSES = [*_OPEN_STATES, AssessmentStatus.LOCKED]


def _status_for(code: str, year: int) -> str:
    """Past years are closed; the current year's units are spread along the workflow."""
    if year < 2025:
        return AssessmentStatus.LOCKED
    draw = rng_for(code, "status").random()
    return _OPEN_STATES[min(len(_OPEN_STATES) - 1, int(draw * len(_OPEN_STATES)))]


def _can_giuoc() -> str:
    version = _version("tayninh-commune-2026")
    unit = Unit.objects.get(code="tay-ninh.xa-can-giuoc")
    report = import_sheet(
        DATA / "cangiuoc-2025-assessment.csv", version, unit, ensure_period("2025"), ACTOR
    )
    return f"Xã Cần Giuộc (Tây Ninh): nhập {report.rows} tiêu chí từ bảng theo dõi thật"


def _users() -> str:
    """Demo people, one per role, all with the same password (printed by `chiso demo`)."""
    for username, (full_name, memberships) in DEMO_PEOPLE.items():
        user = create_user(
            username, DEMO_PASSWORD, ACTOR, full_name=full_name, email=f"{username}@demo.chiso.vn"
        )
        if username == "admin":
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        for unit_code, role in memberships:
            add_member(user, Unit.objects.get(code=unit_code), role, ACTOR)
    return "Tài khoản: " + ", ".join(DEMO_PEOPLE) + f" (mật khẩu {DEMO_PASSWORD})"


def _plans() -> str:
    from chiso.plans.demo import load_demo

    return load_demo(ACTOR)


def _publications() -> str:
    """The closed years go on the public portal; the open year (2025) stays internal."""
    done = []
    for code in ("nghean-department-example", "nghean-commune-example"):
        for year in YEARS[:-1]:
            publish(ACTOR, _version(code), ensure_period(str(year)), "Kết quả minh hoạ")
            done.append(f"{code} {year}")
    return "Công khai: " + ", ".join(done)

"""A synthetic national dataset for benchmarks, deterministic by seed.

What it builds (`build(SynthOptions(...))`, or `chiso synth`):
- the real 34 provinces and 3,321 communes from the unit loaders (`load_current_divisions`),
  plus ~30 synthetic departments per province and peer groups (provinces; per province its
  departments, its wards and its communes);
- a framework of 100 leaves (2 groups → 8 mains → 100 sub-indicators, 3 overlapping views)
  written as a YAML framework file and loaded through `load_framework`, with a rule mix close
  to provincial frameworks (ratio, boolean, steps, per_item, manual, choice, relative_to_best,
  min_max);
- periods: the last `years` years, and the quarters of the last `quarterly_years` of them
  (5 + 12 = 17 periods by default);
- one assessment per unit × period with an entry per leaf (≈ 4,400 × 100 × 17 ≈ 7.5 M values
  in full), 10% of them left empty;
- score snapshots through the real scoring service (`rescore`).

Values come from `numpy` generators seeded by (seed, period, leaf), over units in code order,
so the same options give the same rows. Current units are assessed over all the years, also
before the 2025 reform: this is a load for benchmarks, not history. Entries are written with
COPY on PostgreSQL and `bulk_create` elsewhere; the rest goes through the services.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from django.db import connection, transaction
from django.utils import timezone

from chiso.accounts.services import record
from chiso.collection.bulk import column_of
from chiso.collection.choices import AssessmentStatus, EntryStatus, PeriodKind, Review
from chiso.collection.models import Assessment, Entry, Period
from chiso.collection.services import ensure_period
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.frameworks.services import load_framework
from chiso.org.choices import UnitKind
from chiso.org.loaders import LoadReport, load_current_divisions
from chiso.org.loaders.base import UnitSpec, finish, sync_units
from chiso.org.loaders.sources import current_province_slug, current_provinces
from chiso.org.models import PeerGroup, Unit
from chiso.scoring.services import RescoreReport, rescore

ACTOR = "synth"
FRAMEWORK = "synth-national"
LAST_YEAR = 2025
MISSING_SHARE = 0.10
ENTRY_BATCH = 20_000
# kind -> (how many leaves, rule parameters before scaling to the leaf's maximum).
MIX: list[tuple[str, int, dict[str, Any]]] = [
    ("ratio", 20, {}),
    ("ratio", 8, {"input": "percent", "full_at": 0.8}),
    ("boolean", 20, {}),
    ("steps", 14, {}),
    ("per_item", 12, {}),
    ("manual", 10, {}),
    ("choice", 8, {}),
    ("relative_to_best", 4, {"higher_is_better": True}),
    ("min_max", 4, {"higher_is_better": True}),
]
MAINS = {"1": ["1.1", "1.2", "1.3", "1.4", "1.5"], "2": ["2.1", "2.2", "2.3"]}
MAIN_NAMES = [
    "Nhận thức số",
    "Thể chế số",
    "Hạ tầng số",
    "Nhân lực số",
    "An toàn thông tin mạng",
    "Hoạt động chính quyền số",
    "Hoạt động kinh tế số",
    "Hoạt động xã hội số",
]
DEPARTMENTS = [
    ("van-phong-ubnd", "Văn phòng UBND tỉnh"),
    ("so-noi-vu", "Sở Nội vụ"),
    ("so-tai-chinh", "Sở Tài chính"),
    ("so-tu-phap", "Sở Tư pháp"),
    ("so-cong-thuong", "Sở Công Thương"),
    ("so-khoa-hoc-va-cong-nghe", "Sở Khoa học và Công nghệ"),
    ("so-xay-dung", "Sở Xây dựng"),
    ("so-nong-nghiep-va-moi-truong", "Sở Nông nghiệp và Môi trường"),
    ("so-giao-duc-va-dao-tao", "Sở Giáo dục và Đào tạo"),
    ("so-y-te", "Sở Y tế"),
    ("so-van-hoa-the-thao-va-du-lich", "Sở Văn hóa, Thể thao và Du lịch"),
    ("so-dan-toc-va-ton-giao", "Sở Dân tộc và Tôn giáo"),
    ("so-ngoai-vu", "Sở Ngoại vụ"),
    ("thanh-tra-tinh", "Thanh tra tỉnh"),
    ("ban-quan-ly-khu-kinh-te", "Ban Quản lý Khu kinh tế"),
    ("ban-quan-ly-du-an-xay-dung", "Ban Quản lý dự án đầu tư xây dựng"),
    ("cong-an-tinh", "Công an tỉnh"),
    ("thue-tinh", "Thuế tỉnh"),
    ("bao-hiem-xa-hoi", "Bảo hiểm xã hội tỉnh"),
    ("kho-bac", "Kho bạc Nhà nước khu vực"),
    ("hai-quan", "Hải quan khu vực"),
    ("thong-ke", "Thống kê tỉnh"),
    ("ngan-hang-nha-nuoc", "Ngân hàng Nhà nước chi nhánh tỉnh"),
    ("vien-kiem-sat", "Viện kiểm sát nhân dân tỉnh"),
    ("toa-an", "Tòa án nhân dân tỉnh"),
    ("dai-phat-thanh-truyen-hinh", "Báo và Phát thanh, Truyền hình tỉnh"),
    ("trung-tam-phuc-vu-hanh-chinh-cong", "Trung tâm Phục vụ hành chính công tỉnh"),
    ("truong-chinh-tri", "Trường Chính trị tỉnh"),
    ("bo-chi-huy-quan-su", "Bộ Chỉ huy Quân sự tỉnh"),
    ("van-phong-doan-dbqh-hdnd", "Văn phòng Đoàn ĐBQH và HĐND tỉnh"),
]


@dataclass(frozen=True)
class SynthOptions:
    """`provinces`/`communes` None = all; `communes` caps the communes assessed per province."""

    seed: int = 20250701
    provinces: int | None = None
    departments: int = 30
    communes: int | None = None
    years: int = 5
    quarterly_years: int = 3
    score: bool = True


@dataclass
class SynthReport:
    units: int = 0
    periods: int = 0
    assessments: int = 0
    entries: int = 0
    values: int = 0
    snapshots: int = 0
    seconds: float = 0.0


Progress = Callable[[str], None]


def build(options: SynthOptions, progress: Progress = print) -> SynthReport:
    """Build (or extend) the synthetic dataset. Raises SynthError when the framework code is
    taken by a non-synthetic framework, or when assessments already exist for it (build into
    an empty database, or drop and rebuild: the dataset is never merged into)."""
    started = time.perf_counter()
    report = SynthReport()
    units = _step(progress, "đơn vị", lambda: load_units(options))
    report.units = len(units)
    version = _step(progress, "bộ chỉ số", lambda: load_synth_framework(options.seed))
    periods = _step(progress, "kỳ đánh giá", lambda: make_periods(options))
    report.periods = len(periods)
    _refuse_existing(version)
    for index, period in enumerate(periods):
        counts = _step(
            progress,
            f"kỳ {period.code} ({index + 1}/{len(periods)})",
            partial(write_period, version, period, index, units, options.seed),
        )
        report.assessments += counts[0]
        report.entries += counts[1]
        report.values += counts[2]
    _analyze()
    if options.score:
        for period in periods:
            result = _step(progress, f"chấm điểm {period.code}", partial(rescore, version, period))
            report.snapshots += result.snapshots
    report.seconds = time.perf_counter() - started
    return report


def _analyze() -> None:
    """Fresh planner statistics after a bulk load: without them PostgreSQL estimates one row
    per cohort until autovacuum comes by, and picks plans for that."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Unit, Assessment, Entry):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


class SynthError(RuntimeError):
    """The database already holds data the generator would have to overwrite."""


def _step(progress: Progress, label: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    progress(f"{label}: {_describe(result)} ({time.perf_counter() - started:.1f}s)")
    return result


def _describe(result: Any) -> str:
    if isinstance(result, tuple):
        return f"{result[0]} bản đánh giá, {result[1]} mục, {result[2]} giá trị"
    if isinstance(result, list):
        return f"{len(result)}"
    if isinstance(result, RescoreReport):
        return f"{result.assessments} bản đánh giá, {result.snapshots} bản điểm"
    return str(result)


# --- units ---------------------------------------------------------------------------------


def province_slugs(count: int | None) -> list[str]:
    """The first `count` current provinces in official-code order (all 34 when None)."""
    provinces = current_provinces()
    slugs = [current_province_slug(provinces[code]) for code in sorted(provinces)]
    return slugs if count is None else slugs[:count]


def load_units(options: SynthOptions) -> list[Unit]:
    """The units to assess, in code order: provinces, their departments, their communes."""
    slugs = province_slugs(options.provinces)
    load_current_divisions(slugs, actor=ACTOR)
    _load_departments(slugs, options.departments)
    provinces = list(Unit.objects.filter(code__in=slugs, kind=UnitKind.PROVINCE))
    units: list[Unit] = list(provinces)
    for province in provinces:
        children = Unit.objects.filter(parent=province).current().order_by("code")
        units += list(children.filter(kind=UnitKind.DEPARTMENT)[: options.departments])
        units += list(children.filter(kind=UnitKind.COMMUNE)[: options.communes])
    _peer_groups(provinces, units)
    return sorted(units, key=lambda u: u.code)


@transaction.atomic
def _load_departments(slugs: Sequence[str], count: int) -> None:
    report = LoadReport("synth")
    specs = [
        UnitSpec(
            code=f"{slug}.{code}",
            kind=UnitKind.DEPARTMENT,
            subtype="sở" if code.startswith("so-") else "cơ quan",
            name=name,
            parent=slug,
        )
        for slug in slugs
        for code, name in DEPARTMENTS[:count]
    ]
    sync_units(specs, report)
    finish(report, ACTOR)


@transaction.atomic
def _peer_groups(provinces: Sequence[Unit], units: Sequence[Unit]) -> None:
    """Provinces nationally; per province its departments, its wards and its communes."""
    wanted: dict[str, tuple[str, Unit | None, list[Unit]]] = {
        "synth-tinh": ("Tỉnh, thành phố", None, list(provinces))
    }
    for province in provinces:
        mine = [u for u in units if u.parent_id == province.pk]
        for suffix, name, members in (
            ("so-nganh", "Sở, ban, ngành", [u for u in mine if u.kind == UnitKind.DEPARTMENT]),
            ("phuong", "Phường", [u for u in mine if u.subtype == "phường"]),
            ("xa", "Xã, đặc khu", [u for u in mine if u.kind == UnitKind.COMMUNE]),
        ):
            if suffix == "xa":
                members = [u for u in members if u.subtype != "phường"]
            wanted[f"synth-{province.code}-{suffix}"] = (
                f"{name} · {province.display_name}",
                province,
                members,
            )
    for code, (name, scope, members) in wanted.items():
        group, _created = PeerGroup.objects.update_or_create(
            code=code, defaults={"name": name, "scope": scope}
        )
        group.members.set(members)


# --- framework ------------------------------------------------------------------------------


def framework_document(seed: int) -> dict[str, Any]:
    """The framework as a YAML document (docs/frameworks.md), laid out by `seed`."""
    rng = np.random.default_rng([seed, 0])
    kinds = [(kind, params) for kind, count, params in MIX for _ in range(count)]
    mains = [m for ms in MAINS.values() for m in ms]
    leaves: dict[str, list[dict[str, Any]]] = {m: [] for m in mains}
    for i, k in enumerate(rng.permutation(len(kinds))):
        kind, params = kinds[int(k)]
        main = mains[i % len(mains)]
        max_points = float(rng.choice([5, 10, 15, 20]))
        leaves[main].append(_leaf(f"{main}.{len(leaves[main]) + 1}", kind, params, max_points))
    tree = [
        {
            "code": group,
            "name": "Nền tảng chuyển đổi số" if group == "1" else "Hoạt động chuyển đổi số",
            "level": "group",
            "children": [
                {
                    "code": m,
                    "name": MAIN_NAMES[mains.index(m)],
                    "level": "main",
                    "children": leaves[m],
                }
                for m in members
            ],
        }
        for group, members in MAINS.items()
    ]
    return {
        "code": FRAMEWORK,
        "title": "Bộ chỉ số tổng hợp quốc gia (DỮ LIỆU GIẢ LẬP để đo hiệu năng)",
        "status": "example",
        "provenance": f"Sinh tự động bởi `chiso synth --seed {seed}`; không phải số liệu thật.",
        "unit_kinds": [k.value for k in (UnitKind.PROVINCE, UnitKind.DEPARTMENT, UnitKind.COMMUNE)],
        "views": [
            {"code": f"tru-cot-{i + 1}", "name": f"Trụ cột {i + 1}", "members": [*MAINS["1"], m]}
            for i, m in enumerate(MAINS["2"])
        ],
        "bands": [
            {"code": "tot", "label": "Tốt", "min": 0.8},
            {"code": "kha", "label": "Khá", "min": 0.65},
            {"code": "trung-binh", "label": "Trung bình", "min": 0.5},
            {"code": "yeu", "label": "Yếu", "min": 0},
        ],
        "tree": tree,
    }


def _leaf(code: str, kind: str, params: dict[str, Any], max_points: float) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Tiêu chí {code} ({kind})",
        "level": "sub",
        "max_points": max_points,
        "rule": {"kind": kind, **_rule_params(kind, params, max_points)},
    }


def _rule_params(kind: str, params: dict[str, Any], max_points: float) -> dict[str, Any]:
    if kind == "steps":
        return {"steps": [[k, max_points * k / 4] for k in (1, 2, 3, 4)]}
    if kind == "per_item":
        return {"points_per_item": max_points / 5, "cap": max_points}
    if kind == "choice":
        return {
            "options": [
                {"key": "dat", "label": "Đạt", "fraction": 1.0},
                {"key": "mot-phan", "label": "Đạt một phần", "fraction": 0.5},
                {"key": "khong-dat", "label": "Không đạt", "points": 0},
            ]
        }
    return dict(params)


def load_synth_framework(seed: int) -> FrameworkVersion:
    """Write the framework file and load it through the real loader (idempotent)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{FRAMEWORK}.yaml"
        text = yaml.safe_dump(framework_document(seed), allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        load_framework(path, actor=ACTOR)
    version = Framework.objects.get(code=FRAMEWORK).latest_version()
    assert version is not None  # load_framework raised otherwise
    return version


# --- periods --------------------------------------------------------------------------------


def period_codes(options: SynthOptions) -> list[str]:
    years = range(LAST_YEAR - options.years + 1, LAST_YEAR + 1)
    quarterly = (
        set(years[len(years) - options.quarterly_years :]) if options.quarterly_years else set()
    )
    codes = []
    for year in years:
        codes.append(str(year))
        if year in quarterly:
            codes += [f"{year}-Q{q}" for q in range(1, 5)]
    return codes


def make_periods(options: SynthOptions) -> list[Period]:
    return [ensure_period(code) for code in period_codes(options)]


def _refuse_existing(version: FrameworkVersion) -> None:
    if Assessment.objects.filter(version=version).exists():
        raise SynthError(
            f"Đã có bản đánh giá theo {version.label}; hãy dựng vào cơ sở dữ liệu trống."
        )


# --- values ---------------------------------------------------------------------------------


def capabilities(units: Sequence[Unit], seed: int, period_index: int) -> np.ndarray:
    """Each unit's level in [0, 1]: a stable per-unit base plus a slow improvement."""
    base = np.random.default_rng([seed, 1]).beta(2.2, 2.0, size=len(units))
    return np.clip(0.3 + 0.5 * base + 0.01 * period_index, 0.0, 0.97)


def leaf_values(
    leaf: Indicator, level: np.ndarray, seed: int, period_index: int
) -> list[str | None]:
    """JSON text of the leaf's self inputs for each unit (None: left empty)."""
    rng = np.random.default_rng([seed, 2, period_index, leaf.position])
    p = np.clip(level + rng.normal(0, 0.12, size=len(level)), 0.0, 1.0)
    missing = rng.random(len(level)) < MISSING_SHARE
    texts = _MAKERS[leaf.rule_kind](leaf, p, rng)
    return [None if gone else text for gone, text in zip(missing, texts, strict=True)]


def _ratio(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    if (leaf.rule_params or {}).get("input") == "percent":
        return [f'{{"percent": {v}}}' for v in np.round(100 * p, 1).tolist()]
    den = rng.integers(20, 1500, size=len(p))
    num = np.round(den * p).astype(int)
    return [
        f'{{"numerator": {n}, "denominator": {d}}}'
        for n, d in zip(num.tolist(), den.tolist(), strict=True)
    ]


def _boolean(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    yes = rng.random(len(p)) < 0.25 + 0.75 * p
    return [f'{{"value": {int(v)}}}' for v in yes.tolist()]


def _steps(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    return [f'{{"value": {v}}}' for v in np.round(4.6 * p).astype(int).tolist()]


def _per_item(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    return [f'{{"count": {v}}}' for v in np.round(5.5 * p).astype(int).tolist()]


def _manual(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    return [f'{{"points": {v}}}' for v in np.round(leaf.max_points * p, 2).tolist()]


def _choice(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    keys = ["dat", "mot-phan", "khong-dat"]
    index = np.minimum(2, ((1 - p) * 3).astype(int))
    return [json.dumps({"choice": keys[i]}) for i in index.tolist()]


def _value(leaf: Indicator, p: np.ndarray, rng: np.random.Generator) -> list[str]:
    return [f'{{"value": {v}}}' for v in np.round(100 * p, 2).tolist()]


_MAKERS: dict[str, Callable[[Indicator, np.ndarray, np.random.Generator], list[str]]] = {
    "ratio": _ratio,
    "boolean": _boolean,
    "steps": _steps,
    "per_item": _per_item,
    "manual": _manual,
    "choice": _choice,
    "relative_to_best": _value,
    "min_max": _value,
}


# --- writing --------------------------------------------------------------------------------


def status_for(period: Period, last_year: int = LAST_YEAR) -> str:
    """Older periods are closed; the last year is still being reviewed."""
    if period.start.year < last_year:
        return AssessmentStatus.LOCKED
    return AssessmentStatus.APPROVED if period.kind == PeriodKind.YEAR else AssessmentStatus.DRAFT


@transaction.atomic
def write_period(
    version: FrameworkVersion, period: Period, index: int, units: Sequence[Unit], seed: int
) -> tuple[int, int, int]:
    """One assessment per unit with its entries; returns (assessments, entries, values)."""
    status = status_for(period)
    created = Assessment.objects.bulk_create(
        [Assessment(unit=u, version=version, period=period, status=status) for u in units],
        batch_size=2000,
    )
    leaves = list(version.indicators.filter(is_leaf=True).order_by("position"))
    level = capabilities(units, seed, index)
    columns = [leaf_values(leaf, level, seed, index) for leaf in leaves]
    rows = (
        (a.pk, leaf.pk, columns[j][i])
        for i, a in enumerate(created)
        for j, leaf in enumerate(leaves)
    )
    _insert_entries(rows)
    # One "name": value pair per input: a ratio's entry holds two values.
    values = sum(text.count(":") for column in columns for text in column if text)
    record(ACTOR, "synth.period", period, new={"assessments": len(created), "values": values})
    return len(created), len(created) * len(leaves), values


def _insert_entries(rows: Iterator[tuple[int, int, str | None]]) -> None:
    if connection.vendor == "postgresql":
        _copy_entries(rows)
        return
    batch: list[Entry] = []
    for assessment_id, indicator_id, text in rows:
        inputs = json.loads(text) if text else {}
        batch.append(
            Entry(assessment_id=assessment_id, indicator_id=indicator_id, self_inputs=inputs)
        )
        if len(batch) >= ENTRY_BATCH:
            Entry.objects.bulk_create(batch)
            batch = []
    Entry.objects.bulk_create(batch)


def _copy_entries(rows: Iterator[tuple[int, int, str | None]]) -> None:
    """COPY in text format: ~10× faster than multi-row INSERTs for millions of rows."""
    names = ["assessment", "indicator", "self_inputs", "progress", "owner", "note"]
    names += ["review", "review_comment", "updated_at"]
    columns = ", ".join(column_of(Entry, n) for n in names)
    now = timezone.now().isoformat()
    fixed = f"\t{EntryStatus.NOT_STARTED}\t\t\t{Review.PENDING}\t\t{now}\n"
    sql = f"COPY {Entry._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for n, (assessment_id, indicator_id, text) in enumerate(rows, start=1):
            buffer.write(f"{assessment_id}\t{indicator_id}\t{text or '{}'}{fixed}")
            if n % ENTRY_BATCH == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())

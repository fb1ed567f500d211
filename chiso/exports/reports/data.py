"""What the periodic report says, gathered once from the dashboards' reads, then laid out by
the DOCX and PDF builders (same content, two layouts). Nothing here re-scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from chiso.collection.models import Period
from chiso.dashboards import leaders, plan_links
from chiso.exports.reports import charts
from chiso.lib.formats import vn_number
from chiso.org.models import Unit
from chiso.plans.queries import UnitOverdue

NBSP = "\u00a0"  # the number is written by hand when the report is signed
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
TOP = 10  # rows of long tables (communes): the 10 best and the 10 last


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative column widths


@dataclass(frozen=True)
class Header:
    """The administrative header of Nghị định 30/2020/NĐ-CP, Phụ lục I."""

    parent_body: str  # cơ quan chủ quản ("" when the issuer is the provincial committee)
    issuer: str  # cơ quan ban hành, in capitals
    number: str  # "Số: …/BC-UBND"
    place_date: str  # "Nghệ An, ngày 22 tháng 11 năm 2026"
    title: str  # "BÁO CÁO"
    subject: str  # trích yếu
    recipients: list[str]
    signer_authority: str  # "TM. ỦY BAN NHÂN DÂN" …
    signer_title: str  # "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    signer_name: str


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chart: str = ""  # key into Report.charts, drawn after the paragraphs


@dataclass
class Report:
    header: Header
    sections: list[Section]
    charts: dict[str, bytes] = field(default_factory=dict)  # PNG images


def place_date(place: str, day: dt.date) -> str:
    # NĐ 30: day and month below 10 take a leading zero only for 1 and 2 (…"ngày 05 tháng 02").
    d = f"{day.day:02d}" if day.day < 10 else str(day.day)
    m = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {d} tháng {m} năm {day.year}"


def short_place(province: Unit) -> str:
    for prefix in ("Tỉnh ", "Thành phố "):
        if province.name.startswith(prefix):
            return province.name[len(prefix) :]
    return province.name


def in_text(unit: Unit) -> str:
    """'Tỉnh Nghệ An' → 'tỉnh Nghệ An' inside a sentence (the kind is a common noun)."""
    return unit.name[:1].lower() + unit.name[1:]


def header_for(province: Unit, period: Period, day: dt.date, number: str = "") -> Header:
    place = short_place(province)
    return Header(
        parent_body="",
        issuer=f"ỦY BAN NHÂN DÂN\n{province.name.upper()}",
        number=f"Số: {number or NBSP * 8}/BC-UBND",
        place_date=place_date(place, day),
        title="BÁO CÁO",
        subject=f"Kết quả thực hiện chuyển đổi số {period.label.lower()} của {in_text(province)}",
        recipients=[
            "Bộ Khoa học và Công nghệ;",
            "Thường trực Tỉnh ủy;",
            "Thường trực HĐND tỉnh;",
            "Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
            "Các sở, ban, ngành; UBND các xã, phường;",
            "Lưu: VT, KHCN.",
        ],
        signer_authority="TM. ỦY BAN NHÂN DÂN",
        signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        signer_name="",
    )


def n(value: float | None, decimals: int = 4) -> str:
    return vn_number(value, decimals)


def build(province: Unit, period: Period, day: dt.date, number: str = "") -> Report:
    """The report of `province` for `period`, as of `day`."""
    available = [c for c in leaders.cohorts(province) if c.period.start <= period.start]
    pngs: dict[str, bytes] = {}
    sections = [
        _national(province, pngs),
        *_own(province, available, period, pngs),
        _progress(province, period, day),
        _plans(province, day),
        _proposals(),
    ]
    for roman, section in zip(ROMAN, sections, strict=False):
        section.heading = f"{roman}. {section.heading}"
    return Report(header_for(province, period, day, number), sections, pngs)


def _national(province: Unit, pngs: dict[str, bytes]) -> Section:
    points = leaders.dti_history(province)
    if points:
        pngs["dti"] = charts.dti(points, province.name)
    section = Section("CHỈ SỐ CHUYỂN ĐỔI SỐ CẤP TỈNH (DTI)", chart="dti" if points else "")
    low, high = leaders.GOAL_RANK
    goal = f"thuộc nhóm {low} - {high} tỉnh, thành phố có chỉ số cao về chuyển đổi số"
    if not points:
        section.paragraphs.append("Chưa có kết quả DTI cấp tỉnh đã được công bố.")
        return section
    last = points[-1]
    met = "đã đạt" if last.in_goal else "chưa đạt"
    section.paragraphs.append(
        f"Năm {last.year}, Chỉ số chuyển đổi số (DTI) của {in_text(province)} xếp thứ "
        f"{last.rank}/{last.of} tỉnh, thành phố (chỉ số {n(last.index)}), {met} mục tiêu "
        f"{goal} theo {leaders.GOAL_SOURCE}."
    )
    rows = [
        [str(p.year), f"{p.rank}/{p.of}", n(p.index), "Đạt" if p.in_goal else "Chưa đạt"]
        for p in points
    ]
    section.tables.append(
        Table(
            "Bảng 1. Xếp hạng DTI cấp tỉnh",
            ["Năm", "Xếp hạng", "Chỉ số DTI", "So với mục tiêu"],
            rows,
            [1, 1.2, 1.2, 1.4],
        )
    )
    return section


def _own(
    province: Unit, available: list[leaders.Cohort], period: Period, pngs: dict[str, bytes]
) -> list[Section]:
    out = []
    for code, items in leaders.latest_by_framework(available).items():
        if code == leaders.DTI_FRAMEWORK or items[0].period != period:
            continue
        previous = items[1] if len(items) > 1 else None
        out.append(_framework(province, items[0], previous, pngs))
    return out


def _framework(
    province: Unit,
    cohort: leaders.Cohort,
    previous: leaders.Cohort | None,
    pngs: dict[str, bytes],
) -> Section:
    head = leaders.headline(province, cohort, previous)
    pngs[f"mains:{cohort.version.framework.code}"] = charts.mains(head)
    title = cohort.version.framework.title
    section = Section(f"KẾT QUẢ {title.upper()}", chart=f"mains:{cohort.version.framework.code}")
    section.paragraphs.append(
        f"{cohort.period.label}, {cohort.size} đơn vị được đánh giá; chỉ số bình quân đạt "
        f"{n(head.index)}{_change(head)}, tổng điểm bình quân {n(head.total, 2)}/"
        f"{n(cohort.version.scale, 0)}, xếp loại {head.band or '–'}."
    )
    section.tables.append(_mains_table(head))
    rows = leaders.ranking(cohort, leaders.Filters(), previous, province)
    section.tables.append(_ranking_table(rows, title))
    section.tables.append(_gaps_table(cohort, province))
    return section


def _change(head: leaders.Headline) -> str:
    if head.change is None or head.previous is None:
        return ""
    verb = "tăng" if head.change >= 0 else "giảm"
    before = head.previous.period.label.lower()
    return f" ({before}: {n(head.index_before)}; {verb} {n(abs(head.change))})"


def _mains_table(head: leaders.Headline) -> Table:
    before = head.previous.period.code if head.previous else "Kỳ trước"
    rows = [[f"{m.code}. {m.name}", n(m.now), n(m.before), _signed(m.change)] for m in head.mains]
    rows.append(["Chỉ số tổng hợp", n(head.index), n(head.index_before), _signed(head.change)])
    return Table(
        "Chỉ số chính (0–1, bình quân các đơn vị)",
        ["Chỉ số chính", head.cohort.period.code, before, "Thay đổi"],
        rows,
        [3.2, 1, 1, 1],
    )


def _signed(value: float | None) -> str:
    return "–" if value is None else ("+" if value >= 0 else "") + n(value)


def _ranking_table(rows: list[leaders.RankRow], title: str) -> Table:
    shown = rows if len(rows) <= 2 * TOP else rows[:TOP] + rows[-TOP:]
    body = [
        [
            str(r.row.rank or "–"),
            r.row.unit_name,
            n(r.row.total, 2),
            n(r.row.index),
            r.row.band or "–",
            _move(r.move),
        ]
        for r in shown
    ]
    note = (
        ""
        if shown is rows
        else f" ({TOP} đơn vị cao nhất và {TOP} đơn vị thấp nhất trong {len(rows)})"
    )
    return Table(
        f"Xếp hạng{note}",
        ["Hạng", "Đơn vị", "Tổng điểm", "Chỉ số", "Xếp loại", "Thay đổi hạng"],
        body,
        [0.7, 3.2, 1.1, 1, 1, 1],
    )


def _move(move: int | None) -> str:
    if move is None:
        return "mới"
    return f"+{move}" if move > 0 else str(move) if move < 0 else "="


def _gaps_table(cohort: leaders.Cohort, province: Unit) -> Table:
    by_indicator, _by_unit = leaders.gaps(cohort, province)
    tasks = plan_links.tasks_for(cohort.version, [g.code for g in by_indicator])
    rows = [
        [
            f"{g.code} {g.name[:90]}",
            n(g.lost, 1),
            str(g.units),
            g.verifier or "Từng đơn vị",
            "; ".join(t.document for t in tasks.get(g.code, [])) or "–",
        ]
        for g in by_indicator
    ]
    return Table(
        "Điểm còn có thể giành (theo chỉ tiêu)",
        ["Chỉ tiêu", "Điểm mất", "Số đơn vị", "Đơn vị phụ trách số liệu", "Nhiệm vụ liên quan"],
        rows,
        [3.2, 0.9, 0.8, 1.6, 1.2],
    )


def _progress(province: Unit, period: Period, day: dt.date) -> Section:
    found = leaders.progress(province, period, day)
    section = Section("TIẾN ĐỘ NỘP BẢN TỰ ĐÁNH GIÁ")
    deadline = (
        "chưa đặt hạn nộp"
        if found.days_left is None
        else (
            f"còn {found.days_left} ngày đến hạn nộp"
            if found.days_left >= 0
            else f"đã quá hạn {-found.days_left} ngày"
        )
    )
    section.paragraphs.append(
        f"{period.label}: {found.total} bản tự đánh giá; {found.not_submitted} đơn vị chưa gửi, "
        f"{found.waiting_signature} chờ lãnh đạo ký, {found.returned} bị trả lại, "
        f"{found.signed} đã ký trở lên; {deadline}."
    )
    return section


def _plans(province: Unit, day: dt.date) -> Section:
    section = Section("CHỈ TIÊU VÀ NHIỆM VỤ")
    targets = plan_links.target_progress(province, day)
    overdue: list[UnitOverdue] = plan_links.overdue(province, day)
    if not targets and not overdue:
        section.paragraphs.append("Chưa có số liệu theo dõi chỉ tiêu, nhiệm vụ trong hệ thống.")
    if targets:
        rows = [[f"{d.number} {d.title[:80]}", f"{d.met}/{d.total}"] for d in targets]
        section.tables.append(
            Table("Tiến độ thực hiện mục tiêu", ["Văn bản", "Mục tiêu đạt"], rows, [4, 1])
        )
    if overdue:
        rows = [
            [u.name or "Chưa rõ đơn vị", str(u.overdue), str(u.escalated)] for u in overdue[:15]
        ]
        section.tables.append(
            Table(
                "Nhiệm vụ quá hạn", ["Đơn vị", "Quá hạn", "Quá hạn trên 30 ngày"], rows, [3, 1, 1.4]
            )
        )
    return section


def _proposals() -> Section:
    return Section(
        "PHƯƠNG HƯỚNG, ĐỀ XUẤT",
        [
            "Các sở, ban, ngành và UBND các xã, phường tập trung khắc phục các chỉ tiêu còn mất "
            "nhiều điểm nêu trên; hoàn thành việc nộp bản tự đánh giá đúng hạn.",
            "Sở Khoa học và Công nghệ theo dõi, đôn đốc, tổng hợp kết quả và báo cáo UBND tỉnh.",
        ],
    )

"""Demo plans: Nghị quyết 09-NQ/TU (Nghệ An) with its 2025 and 2030 objectives, and three
directives/plans entered as structured data from the hand-labelled set (demo_data/*.json).

Measurements of NQ 09 are dated October 2023 and agree with the report of that month
(seed 001): 8 of 11 digital-government objectives met, 2 of 6 digital-economy, 1 of 3
digital-society. The report gives only those counts, so each value is marked illustrative;
so is every target whose wording the resolution does not give a number for.
Idempotent: a document already present is left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from chiso.accounts.services import Actor
from chiso.org.models import Unit
from chiso.plans import services
from chiso.plans.choices import Aggregate, Comparator, DocumentKind, Pillar, Recurrence, Scope
from chiso.plans.models import Document, Objective, Target, Task
from chiso.plans.services import TargetSpec, TaskSpec

DATA = Path(__file__).parent / "demo_data"
Y2025, Y2030 = dt.date(2025, 12, 31), dt.date(2030, 12, 31)
NQ09_DATE = dt.date(2022, 8, 5)
REPORTED = dt.date(2023, 10, 15)  # seed 001: "date 2023-10"
REPORT = "Kết quả rà soát 1 năm thực hiện NQ 09 (Báo Xây dựng, 10/2023)"
DELIVERABLE = "Báo cáo kết quả thực hiện gửi UBND tỉnh, kèm minh chứng"
GE, LE, EQ = Comparator.AT_LEAST, Comparator.AT_MOST, Comparator.EQUAL
TINH, HUYEN, XA = Scope.PROVINCE, Scope.DISTRICT, Scope.COMMUNE

# (pillar, objective text, illustrative, [(metric, comparator, value, unit, scope, deadline,
#   illustrative target, [(date, value), …] measurements)])
Row = tuple[str, str, bool, list[tuple[Any, ...]]]
NQ09: list[Row] = [
    (
        Pillar.GENERAL,
        "Luôn giữ vị trí thuộc nhóm 25 - 30 tỉnh, thành phố có chỉ số cao về chuyển đổi số",
        False,
        [
            (
                "thứ hạng Chỉ số chuyển đổi số (DTI) cấp tỉnh",
                LE,
                30,
                "thứ hạng",
                "",
                Y2025,
                True,
                [(REPORTED, 52)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% cơ quan đảng, chính quyền, Mặt trận Tổ quốc, các tổ chức chính "
        "trị - xã hội kết nối mạng truyền số liệu chuyên dùng",
        False,
        [
            (
                "cơ quan kết nối mạng truyền số liệu chuyên dùng",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 100)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% cơ sở dữ liệu dùng chung của tỉnh được triển khai trên nền tảng điện toán đám mây",
        False,
        [
            (
                "cơ sở dữ liệu dùng chung triển khai trên điện toán đám mây",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 100)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% cán bộ, công chức, viên chức được đào tạo, bồi dưỡng hoặc tự bồi "
        "dưỡng kiến thức và kỹ năng số",
        False,
        [
            (
                "cán bộ, công chức, viên chức được đào tạo kỹ năng số",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 61), (REPORTED, 74)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% cơ quan cấp tỉnh, cấp huyện có cán bộ phụ trách công nghệ thông tin",
        False,
        [
            (
                "cơ quan cấp tỉnh, cấp huyện có cán bộ phụ trách CNTT",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 100)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "Triển khai hệ thống hội nghị trực tuyến đồng bộ từ cấp tỉnh đến cấp "
        "xã và kết nối với hệ thống hội nghị trực tuyến quốc gia",
        False,
        [
            (
                "xã có điểm cầu hội nghị trực tuyến kết nối hệ thống của tỉnh",
                EQ,
                100,
                "%",
                XA,
                Y2025,
                True,
                [(REPORTED, 100)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "Tỷ lệ hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4 trên "
        "tổng số hồ sơ đạt từ 50% trở lên",
        False,
        [
            (
                "hồ sơ giải quyết theo dịch vụ công trực tuyến mức độ 3, 4",
                GE,
                50,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 38), (REPORTED, 57)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "Tối thiểu 90% người dân và doanh nghiệp hài lòng về việc giải quyết thủ tục hành chính",
        False,
        [
            (
                "người dân, doanh nghiệp hài lòng về giải quyết thủ tục hành chính",
                GE,
                90,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 92)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "90% hồ sơ công việc tại cấp tỉnh, 80% tại cấp huyện và 60% tại cấp "
        "xã được xử lý trên môi trường mạng",
        False,
        [
            (
                "hồ sơ công việc xử lý trên môi trường mạng",
                EQ,
                90,
                "%",
                TINH,
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 84), (REPORTED, 91)],
            ),
            (
                "hồ sơ công việc xử lý trên môi trường mạng",
                EQ,
                80,
                "%",
                HUYEN,
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 66), (REPORTED, 78)],
            ),
            (
                "hồ sơ công việc xử lý trên môi trường mạng",
                EQ,
                60,
                "%",
                XA,
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 38), (REPORTED, 47)],
            ),
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% chế độ báo cáo, chỉ tiêu tổng hợp định kỳ và báo cáo thống kê "
        "về kinh tế - xã hội được thực hiện trực tuyến và liên thông với hệ thống báo cáo quốc "
        "gia",
        False,
        [
            (
                "chế độ báo cáo thực hiện trực tuyến, liên thông hệ thống báo cáo quốc gia",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 100)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% cơ sở dữ liệu quốc gia được kết nối, ứng dụng trên địa bàn tỉnh "
        "theo lộ trình của Chính phủ",
        False,
        [
            (
                "cơ sở dữ liệu quốc gia được kết nối, ứng dụng",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 100)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "Từng bước hình thành cơ sở dữ liệu mở của tỉnh kết nối liên thông "
        "trên 80% cơ sở dữ liệu của các ban, sở, ngành",
        False,
        [
            (
                "cơ sở dữ liệu của các ban, sở, ngành kết nối với cơ sở dữ liệu mở của tỉnh",
                GE,
                80,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 30), (REPORTED, 45)],
            )
        ],
    ),
    (
        Pillar.ECONOMY,
        "Kinh tế số chiếm khoảng 20% GRDP",
        False,
        [
            (
                "kinh tế số chiếm GRDP",
                EQ,
                20,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 7.8), (REPORTED, 9.1)],
            )
        ],
    ),
    (
        Pillar.ECONOMY,
        "Từ 80% người dân 15 tuổi trở lên có tài khoản giao dịch tại ngân hàng "
        "hoặc các tổ chức được phép khác",
        False,
        [
            (
                "người dân 15 tuổi trở lên có tài khoản giao dịch",
                GE,
                80,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 66), (REPORTED, 72)],
            )
        ],
    ),
    (
        Pillar.ECONOMY,
        "Phấn đấu có ít nhất từ 1 đến 2 cơ sở giáo dục triển khai đào tạo về thương mại điện tử",
        False,
        [
            (
                "cơ sở giáo dục đào tạo về thương mại điện tử",
                GE,
                1,
                "cơ sở",
                "",
                Y2025,
                False,
                [(REPORTED, 2)],
            )
        ],
    ),
    (
        Pillar.ECONOMY,
        "Trên 3.000 lượt doanh nghiệp, hợp tác xã, làng nghề, hộ kinh doanh, cán "
        "bộ, sinh viên, thanh niên khởi nghiệp được đào tạo, tập huấn về thương mại điện tử",
        False,
        [
            (
                "lượt được đào tạo, tập huấn về thương mại điện tử",
                GE,
                3000,
                "lượt",
                "",
                Y2025,
                False,
                [(REPORTED, 3420)],
            )
        ],
    ),
    (
        Pillar.ECONOMY,
        "Từng bước hình thành các doanh nghiệp công nghệ số, doanh nghiệp số và hợp tác xã số",
        False,
        [
            (
                "doanh nghiệp công nghệ số hoạt động trên địa bàn",
                GE,
                150,
                "doanh nghiệp",
                "",
                Y2025,
                True,
                [(dt.date(2022, 10, 15), 88), (REPORTED, 97)],
            )
        ],
    ),
    (
        Pillar.ECONOMY,
        "100% hộ sản xuất nông nghiệp được lập danh sách và chuẩn hóa, số hóa dữ liệu",
        False,
        [
            (
                "hộ sản xuất nông nghiệp được số hoá dữ liệu",
                EQ,
                100,
                "%",
                "",
                Y2025,
                False,
                [(REPORTED, 58)],
            )
        ],
    ),
    (
        Pillar.SOCIETY,
        "Trên 50% người dùng thiết bị đầu cuối thông minh được tiếp cận, sử dụng "
        "các dịch vụ chính quyền điện tử, dịch vụ đô thị thông minh",
        False,
        [
            (
                "người dùng thiết bị thông minh sử dụng dịch vụ chính quyền điện tử",
                GE,
                50,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 31), (REPORTED, 41)],
            )
        ],
    ),
    (
        Pillar.SOCIETY,
        "50% người dân trưởng thành sử dụng dịch vụ thanh toán điện tử",
        False,
        [
            (
                "người dân trưởng thành sử dụng thanh toán điện tử",
                EQ,
                50,
                "%",
                "",
                Y2025,
                False,
                [(dt.date(2022, 10, 15), 44), (REPORTED, 56)],
            )
        ],
    ),
    (
        Pillar.SOCIETY,
        "Triển khai thí điểm và nhân rộng các dịch vụ số thuộc hệ thống dịch vụ "
        "đô thị thông minh tại thành phố Vinh, thị xã Cửa Lò, thị xã Hoàng Mai",
        False,
        [
            (
                "đô thị triển khai thí điểm dịch vụ đô thị thông minh",
                GE,
                3,
                "đô thị",
                "",
                Y2025,
                True,
                [(REPORTED, 1)],
            )
        ],
    ),
    # --- 2030 ---
    (
        Pillar.GOVERNMENT,
        "Hình thành hệ thống cơ sở dữ liệu và dịch vụ số đồng bộ 3 cấp và kết nối với Trung ương",
        False,
        [
            (
                "cơ sở dữ liệu dùng chung kết nối liên thông 3 cấp và Trung ương",
                EQ,
                100,
                "%",
                "",
                Y2030,
                True,
                [(REPORTED, 45)],
            )
        ],
    ),
    (
        Pillar.GOVERNMENT,
        "100% hồ sơ công việc tại cấp tỉnh, 95% tại cấp huyện và 85% tại cấp "
        "xã được xử lý trên môi trường mạng",
        False,
        [
            (
                "hồ sơ công việc xử lý trên môi trường mạng",
                EQ,
                100,
                "%",
                TINH,
                Y2030,
                False,
                [(dt.date(2022, 10, 15), 84), (REPORTED, 91)],
            ),
            (
                "hồ sơ công việc xử lý trên môi trường mạng",
                EQ,
                95,
                "%",
                HUYEN,
                Y2030,
                False,
                [(dt.date(2022, 10, 15), 66), (REPORTED, 78)],
            ),
            (
                "hồ sơ công việc xử lý trên môi trường mạng",
                EQ,
                85,
                "%",
                XA,
                Y2030,
                False,
                [(dt.date(2022, 10, 15), 38), (REPORTED, 47)],
            ),
        ],
    ),
    (
        Pillar.ECONOMY,
        "100% doanh nghiệp trong các khu kinh tế, khu công nghiệp, cụm công "
        "nghiệp ứng dụng công nghệ số; trên 80% doanh nghiệp nhỏ và vừa tham gia chuyển đổi số",
        False,
        [
            (
                "doanh nghiệp trong KKT, KCN, CCN ứng dụng công nghệ số",
                EQ,
                100,
                "%",
                "",
                Y2030,
                False,
                [],
            ),
            ("doanh nghiệp nhỏ và vừa tham gia chuyển đổi số", GE, 80, "%", "", Y2030, False, []),
        ],
    ),
    (
        Pillar.SOCIETY,
        "Phát triển, nhân rộng các dịch vụ đô thị thông minh đến các trung tâm đô thị của tỉnh",
        False,
        [("trung tâm đô thị có dịch vụ đô thị thông minh", GE, 100, "%", "", Y2030, True, [])],
    ),
    (
        Pillar.SOCIETY,
        "Trên 80% người dùng thiết bị đầu cuối thông minh được tiếp cận, sử dụng "
        "các dịch vụ chính quyền điện tử, dịch vụ đô thị thông minh",
        False,
        [
            (
                "người dùng thiết bị thông minh sử dụng dịch vụ chính quyền điện tử",
                GE,
                80,
                "%",
                "",
                Y2030,
                False,
                [(dt.date(2022, 10, 15), 31), (REPORTED, 41)],
            )
        ],
    ),
    (
        Pillar.SOCIETY,
        "80% người dân trưởng thành sử dụng dịch vụ thanh toán điện tử",
        False,
        [
            (
                "người dân trưởng thành sử dụng thanh toán điện tử",
                EQ,
                80,
                "%",
                "",
                Y2030,
                False,
                [(dt.date(2022, 10, 15), 44), (REPORTED, 56)],
            )
        ],
    ),
]

RECURRENCES = {r.value: r for r in Recurrence}

# Targets of the 2023 directive measured by the Nghệ An example frameworks' reported values
# (metric → framework, leaf): the departments' online-dossier ratio, the communes' smartphone
# and fibre ratios. NQ 09's targets keep their manual values, which match the 2023 report.
INDICATOR_LINKS = {
    "tỷ lệ hồ sơ xử lý trực tuyến": ("nghean-department-example", "6.1"),
    "tỷ lệ dân số trên 15 tuổi có điện thoại thông minh": ("nghean-commune-example", "3.1"),
    "tỷ lệ hộ gia đình có đường Internet cáp quang băng rộng": ("nghean-commune-example", "3.2"),
}


def load_demo(actor: Actor) -> str:
    loaded = [name for name in (_nq09(actor), *map(lambda s: _from_json(actor, s), _JSON)) if name]
    return "Kế hoạch, nhiệm vụ: " + (", ".join(loaded) if loaded else "đã có, giữ nguyên")


_JSON = ("nghe-an-2023-directive", "bac-giang-2663-kh-ubnd", "dak-nong-2022-directive")


@transaction.atomic
def _nq09(actor: Actor) -> str:
    province = Unit.objects.filter(code="nghe-an").first()
    if province is None or Document.objects.filter(province=province, number="09-NQ/TU"):
        return ""
    nq = services.create_document(
        actor,
        province=province,
        kind=DocumentKind.RESOLUTION,
        number="09-NQ/TU",
        issued_on=NQ09_DATE,
        issuer="Tỉnh ủy Nghệ An",
        title="Nghị quyết về chuyển đổi số tỉnh Nghệ An đến năm 2025, định hướng đến năm 2030",
        text=(DATA / "nghe-an-09-nq-tu.txt").read_text(encoding="utf-8"),
        source_url="https://naict.vn",
    )
    for pillar, text, illustrative, targets in NQ09:
        _objective(actor, nq, Pillar(pillar), text, illustrative, targets)
    services.create_document(
        actor,
        province=province,
        kind=DocumentKind.PLAN,
        number="586/KH-UBND",
        issuer="UBND tỉnh Nghệ An",
        related=[nq],
        title="Kế hoạch thực hiện Nghị quyết số 09-NQ/TU về chuyển đổi số tỉnh Nghệ An",
    )
    return "Nghị quyết 09-NQ/TU"


def _objective(
    actor: Actor, doc: Document, pillar: Pillar, text: str, illustrative: bool, rows: list[Any]
) -> Objective:
    specs = [
        TargetSpec(
            metric=m,
            comparator=Comparator(c),
            value=v,
            unit=u,
            scope=Scope(s),
            deadline=d,
            illustrative=i,
        )
        for m, c, v, u, s, d, i, _points in rows
    ]
    objective = services.add_objective(
        actor, doc, pillar=pillar, text=text, targets=specs, illustrative=illustrative
    )
    for target, (*_spec, points) in zip(objective.targets.all(), rows, strict=True):
        for day, value in points:
            services.record_measurement(
                actor, target, value=value, measured_on=day, evidence=REPORT, illustrative=True
            )
    return objective


@transaction.atomic
def _from_json(actor: Actor, slug: str) -> str:
    data = json.loads((DATA / f"{slug}.json").read_text(encoding="utf-8"))
    province = Unit.objects.filter(code=data["province"]).first()
    if province is None or Document.objects.filter(province=province, title=data["title"]):
        return ""
    doc = services.create_document(
        actor,
        province=province,
        kind=data["kind"],
        number=data["number"],
        issued_on=_date(data["issued_on"]),
        issuer=data["issuer"],
        title=data["title"],
        text=(DATA / f"{slug}.txt").read_text(encoding="utf-8"),
    )
    as_of = _date(data["as_of"])
    for row in data["tasks"]:
        task = services.assign_task(actor, doc, _task_spec(row, as_of, data["expand"]))
        if row["targets"]:
            task.targets.set(_task_objective(actor, doc, row).targets.all())
    _link_indicators(actor, doc)
    if data["expand"]:
        _illustrate_progress(actor, doc)
    return doc.number or doc.title[:40]


def _task_spec(row: dict[str, Any], as_of: dt.date | None, expand: bool) -> TaskSpec:
    return TaskSpec(
        text=row["text"],
        lead_text=row["lead"],
        coordinating_text=row["coordinating"],
        deliverable=DELIVERABLE,
        recurrence=RECURRENCES[row["recurrence"]],
        deadline=_date(row["deadline"]),
        starts_on=as_of,
        expand_collective=expand,
        quota=20 if "20 tin" in row["text"] else None,
        quota_unit="tin, bài" if "20 tin" in row["text"] else "",
    )


def _task_objective(actor: Actor, doc: Document, row: dict[str, Any]) -> Objective:
    targets = row["targets"]
    specs = [
        TargetSpec(
            metric=t["metric"],
            comparator=Comparator(t["comparator"]),
            value=t["value"],
            unit=t["unit"],
            scope=Scope(t["scope"]),
            deadline=_date(t["deadline"]) or dt.date(2025, 12, 31),
            illustrative=t["deadline_assumed"],
        )
        for t in targets
    ]
    return services.add_objective(
        actor, doc, pillar=Pillar(targets[0]["pillar"]), text=row["text"], targets=specs
    )


def _link_indicators(actor: Actor, doc: Document) -> None:
    """Measure the targets of INDICATOR_LINKS by reported values, when the frameworks exist
    (a demo without them keeps the targets manual)."""
    for target in Target.objects.filter(objective__document=doc, metric__in=INDICATOR_LINKS):
        framework, code = INDICATOR_LINKS[target.metric]
        try:
            indicator = services.indicator_by_code(framework, code)
        except ValidationError:
            continue
        services.link_indicator(actor, target, indicator=indicator, aggregate=Aggregate.MEAN)


def _illustrate_progress(actor: Actor, doc: Document) -> None:
    """About 60% of the 2023 occurrences reported done (illustrative, deterministic)."""
    tasks = Task.objects.filter(document=doc).prefetch_related("occurrences__unit")
    for task in tasks:
        for occurrence in task.occurrences.all():
            code = occurrence.unit.code if occurrence.unit else ""
            if zlib.crc32(f"{task.position}:{code}".encode()) % 10 < 6:
                services.complete_occurrence(actor, occurrence, note="Đã hoàn thành (minh hoạ).")


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None

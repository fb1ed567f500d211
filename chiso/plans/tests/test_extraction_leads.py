# ruff: noqa: E501 -- test documents keep one paragraph per line, as directives do
"""Who leads a task and who coordinates, on documents written for these tests."""

from __future__ import annotations

from typing import Any

from chiso.plans.extraction import extract
from chiso.plans.extraction.agencies import expand_collective, match_agency, normalize_agency

HEADINGS = """UBND tỉnh yêu cầu các sở, ban, ngành, UBND các huyện, thị xã thực hiện các nội dung sau:
- Rà soát, cập nhật danh mục dữ liệu dùng chung, hoàn thành trong quý II/2024.
- UBND các huyện, thị xã chỉ đạo thành lập Tổ công nghệ số cộng đồng, hoàn thành trước ngày 31/5/2024.
Sở Y tế:
- Chủ trì, phối hợp với Bảo hiểm xã hội tỉnh, Sở Tài chính triển khai sổ sức khỏe điện tử.
- Xây dựng kho dữ liệu y tế dùng chung.
Sở Giao thông vận tải: Phối hợp với Công an tỉnh triển khai camera giám sát giao thông.
Sở Văn hóa, Thể thao và Du lịch: Số hóa di sản văn hóa của tỉnh.
Yêu cầu các sở, ban, ngành nghiêm túc triển khai thực hiện các nội dung trên. Định kỳ báo cáo kết quả về UBND tỉnh (qua Sở Thông tin và Truyền thông).
"""


def tasks(text: str) -> list[dict[str, Any]]:
    return list(extract(text)["tasks"])


def by_start(found: list[dict[str, Any]], start: str) -> dict[str, Any]:
    return next(t for t in found if t["text"].startswith(start))


def test_a_lead_in_gives_its_addressees_to_the_bullets() -> None:
    task = by_start(tasks(HEADINGS), "Rà soát, cập nhật")
    assert task["lead"] == "các sở, ban, ngành, UBND các huyện, thị xã"
    assert task["deadline"] == "2024-06-30"


def test_a_bullet_with_its_own_subject_keeps_that_subject() -> None:
    task = by_start(tasks(HEADINGS), "UBND các huyện, thị xã chỉ đạo")
    assert (task["lead"], task["deadline"]) == ("UBND các huyện, thị xã", "2024-05-31")


def test_an_agency_heading_leads_and_chu_tri_phoi_hop_gives_coordinators() -> None:
    task = by_start(tasks(HEADINGS), "Chủ trì, phối hợp với Bảo hiểm")
    assert task["lead"] == "Sở Y tế"
    assert task["coordinating"] == ["Bảo hiểm xã hội tỉnh", "Sở Tài chính"]
    assert by_start(tasks(HEADINGS), "Xây dựng kho")["lead"] == "Sở Y tế"


def test_an_inline_agency_prefix_leads_and_is_not_part_of_the_text() -> None:
    task = by_start(tasks(HEADINGS), "Phối hợp với Công an tỉnh")
    assert (task["lead"], task["coordinating"]) == ("Sở Giao thông vận tải", ["Công an tỉnh"])
    assert by_start(tasks(HEADINGS), "Số hóa di sản")["lead"] == ("Sở Văn hóa, Thể thao và Du lịch")


def test_a_closing_line_is_not_a_task_but_leads_the_next_sentence() -> None:
    found = tasks(HEADINGS)
    assert not any("các nội dung trên" in t["text"] for t in found)
    task = by_start(found, "Định kỳ báo cáo")
    assert (task["lead"], task["recurrence"]) == ("các sở, ban, ngành", "periodic")
    assert task["coordinating"] == []


def test_x_phoi_hop_y_makes_x_lead_and_y_coordinating() -> None:
    task = tasks(
        "Sở Công Thương phối hợp với Sở Tài chính, Cục Thuế tỉnh xây dựng sàn thương mại điện tử."
    )[0]
    assert (task["lead"], task["coordinating"]) == (
        "Sở Công Thương",
        ["Sở Tài chính", "Cục Thuế tỉnh"],
    )


def test_objects_of_the_action_are_not_coordinating() -> None:
    task = tasks(
        "Sở Tư pháp kiểm tra, đôn đốc UBND cấp huyện, UBND cấp xã về công tác chứng "
        "thực điện tử, báo cáo UBND tỉnh theo định kỳ."
    )[0]
    assert (task["lead"], task["coordinating"]) == ("Sở Tư pháp", [])


def test_a_subjectless_continuation_inherits_the_previous_lead() -> None:
    found = tasks(
        "Thời gian tới, các địa phương tiếp tục rà soát thủ tục hành chính.\n\n"
        "Đồng thời, đẩy mạnh thanh toán không dùng tiền mặt."
    )
    assert [t["lead"] for t in found] == ["các địa phương", "các địa phương"]


def test_two_actors_in_one_sentence_make_two_tasks() -> None:
    found = tasks(
        "Các đơn vị rà soát thiết bị, báo cáo Sở Nội vụ trước ngày 10/4/2024, "
        "Sở Nội vụ tổng hợp báo cáo UBND tỉnh trước ngày 20/4/2024."
    )
    assert [(t["lead"], t["deadline"]) for t in found] == [
        ("Các đơn vị", "2024-04-10"),
        ("Sở Nội vụ", "2024-04-20"),
    ]


def test_an_assigned_agency_after_giao_leads() -> None:
    task = tasks(
        "Giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp các cơ quan, đơn vị liên quan "
        "tham mưu bố trí vốn, hoàn thành trong tháng 9/2024."
    )[0]
    assert task["lead"] == "Sở Kế hoạch và Đầu tư"
    assert task["coordinating"] == ["các cơ quan, đơn vị liên quan"]
    assert task["deadline"] == "2024-09-30"


def test_doi_voi_names_the_lead() -> None:
    task = tasks("Đối với các xã chưa có Tổ công nghệ số, khẩn trương thành lập.")[0]
    assert task["lead"] == "các xã chưa có Tổ công nghệ số"


def test_passive_obligations_have_no_lead() -> None:
    found = tasks("Triển khai nền tảng họp trực tuyến. Các nền tảng sẽ được rà soát hằng quý.")
    assert found[1]["lead"] is None and found[1]["recurrence"] == "quarterly"


def test_abbreviations_normalise_to_the_full_name() -> None:
    assert normalize_agency("Sở TT&TT") == normalize_agency("Sở Thông tin và Truyền thông")
    assert normalize_agency("Sở TTTT") == normalize_agency("Sở Thông tin & Truyền thông")
    assert normalize_agency("Sở LĐTB&XH") == normalize_agency("Sở Lao động – Thương binh và Xã hội")
    assert normalize_agency("NHNN chi nhánh tỉnh") == normalize_agency(
        "Ngân hàng Nhà nước chi nhánh tỉnh"
    )


UNITS = [
    ("S01", "Sở Thông tin và Truyền thông"),
    ("S02", "Sở Kế hoạch và Đầu tư"),
    ("V01", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("S03", "Sở Văn hóa, Thể thao và Du lịch"),
    ("S04", "Sở Giáo dục và Đào tạo"),
    ("S05", "Sở Khoa học và Công nghệ"),
]


def test_names_link_to_unit_codes_without_diacritics_or_with_abbreviations() -> None:
    assert match_agency("So Thong tin va Truyen thong", UNITS) == ["S01"]
    assert match_agency("Sở KH&ĐT", UNITS) == ["S02"]
    assert match_agency("VP UBND tỉnh", UNITS) == ["V01"]
    assert match_agency("Sở VH,TT&DL", UNITS) == ["S03"]
    assert match_agency("Sở GD&ĐT", UNITS) == ["S04"]
    assert match_agency("Sở KH&CN", UNITS) == ["S05"]
    assert match_agency("Sở Y tế", UNITS) == []


def test_collective_names_expand_to_unit_kinds() -> None:
    assert expand_collective("UBND các huyện, thành phố, thị xã") == ["district"]
    assert expand_collective("UBND các xã, phường") == ["commune"]
    assert expand_collective("các sở, ban, ngành") == ["department"]
    assert expand_collective("các sở, ban, ngành; UBND các huyện, thị xã") == [
        "department",
        "district",
    ]

# ruff: noqa: E501 -- test documents keep one paragraph per line, as directives do
"""Cleaning and segmentation: markers, headings, sentences, boilerplate, tasks vs non-tasks."""

from __future__ import annotations

import pytest

from chiso.plans.extraction import extract, extract_with_spans
from chiso.plans.extraction.segment import is_heading, lines, sentences


@pytest.mark.parametrize(
    ("raw", "marker", "content"),
    [
        ("1. Xây dựng kế hoạch.", "num", "Xây dựng kế hoạch."),
        ("2.1. Mục tiêu cụ thể", "num", "Mục tiêu cụ thể"),
        ("a) Rà soát dữ liệu.", "letter", "Rà soát dữ liệu."),
        ("– Triển khai nền tảng.", "dash", "Triển khai nền tảng."),
        ("+Kinh tế số chiếm 20% GRDP.", "dash", "Kinh tế số chiếm 20% GRDP."),
        ("• Cập nhật thông tin.", "dash", "Cập nhật thông tin."),
        ("II. NHIỆM VỤ", "roman", "NHIỆM VỤ"),
        ("IV- TỔ CHỨC THỰC HIỆN", "roman", "TỔ CHỨC THỰC HIỆN"),
        ("100% hồ sơ được số hóa.", "", "100% hồ sơ được số hóa."),
    ],
)
def test_it_strips_each_numbering_style(raw: str, marker: str, content: str) -> None:
    (line,) = lines(raw)
    assert (line.marker, line.text) == (marker, content)


def test_spans_point_back_into_the_text() -> None:
    text = "  \n– Triển khai nền tảng số.  Nâng cấp Cổng dịch vụ công.\n"
    (line,) = lines(text)
    parts = sentences(line)
    assert [text[s.start : s.end] for s in parts] == [
        "Triển khai nền tảng số.",
        "Nâng cấp Cổng dịch vụ công.",
    ]


def test_it_does_not_split_after_an_abbreviation_or_inside_brackets() -> None:
    (line,) = lines("Triển khai tại TP. Vinh (xem Phụ lục. Bảng 2) và các huyện.")
    assert len(sentences(line)) == 1


@pytest.mark.parametrize(
    ("raw", "heading"),
    [
        ("THÔNG TIN CHỈ ĐẠO ĐIỀU HÀNH", True),
        ("Đẩy mạnh công tác tuyên truyền về chuyển đổi số", True),
        ("1. Phát triển hạ tầng số", True),
        ("- Về kinh tế số", True),
        ("- 100% xã có Tổ công nghệ số", False),
        ("Triển khai nền tảng số. Bảo đảm 80% hộ dùng cáp quang", False),
        ("Triển khai nền tảng số.", False),
    ],
)
def test_it_tells_headings_from_content(raw: str, heading: bool) -> None:
    (line,) = lines(raw)
    assert is_heading(line, sentences(line)) is heading


def test_portal_boilerplate_is_dropped() -> None:
    text = (
        "Thứ hai - 08/08/2022 16:24 1.774 0\n11/01/2022 | 03:56 | cms-view-count: 17\n"
        "Tác giả: Nguyễn Văn A\nNguồn tin: Báo Nghệ An\n"
    )
    assert lines(text) == []


def test_it_normalises_to_nfc_before_extracting() -> None:
    decomposed = "Tri\u0065\u0302\u0309n khai nền tảng số, hoàn thành trước ngày 30/6/2024."
    result, spans = extract_with_spans(decomposed)
    assert result["tasks"][0]["deadline"] == "2024-06-30"
    assert spans == [(0, len(result["tasks"][0]["text"]))]


NON_TASKS = """Trong những năm qua, UBND tỉnh đã quyết liệt chỉ đạo ứng dụng công nghệ thông tin. Xây dựng Cổng thông tin điện tử tỉnh.

Kế hoạch nhằm đánh giá hiện trạng chuyển đổi số của tỉnh.

Đến nay đã hoàn thành 7/12 mục tiêu về chính quyền số.

Ảnh minh họa tại Trung tâm phục vụ hành chính công tỉnh.

Yêu cầu các sở, ngành cần xác định rõ: Chuyển đổi số là nhiệm vụ trọng tâm. Công tác chuyển đổi số cần được triển khai kiên trì.

Tổ công nghệ số cộng đồng là cầu nối giữa chính quyền và người dân.

UBND tỉnh Hà Tĩnh sẽ triển khai đồng bộ nhiều giải pháp.

Quyết định này có hiệu lực kể từ ngày ký.
"""


def test_viewpoints_results_purposes_captions_and_roles_are_not_tasks() -> None:
    assert extract(NON_TASKS)["tasks"] == []


OBJECTIVES = """II. MỤC TIÊU
1. Mục tiêu cụ thể đến năm 2026
- 90% hồ sơ được xử lý trực tuyến.
- Hình thành kho dữ liệu dùng chung.
III. NHIỆM VỤ
- Xây dựng kho dữ liệu dùng chung.
"""


def test_objective_items_are_document_targets_dated_by_their_heading() -> None:
    result = extract(OBJECTIVES)
    assert [t["text"] for t in result["tasks"]] == ["Xây dựng kho dữ liệu dùng chung."]
    assert [(t["value"], t["by"]) for t in result["targets"]] == [(90, "2026-12-31")]


def test_a_deadline_only_sentence_joins_the_task_before_it() -> None:
    (task,) = extract("- Xây dựng kho dữ liệu dùng chung. Hoàn thành trong tháng 10 năm 2024.")[
        "tasks"
    ]
    assert task["text"].endswith("năm 2024.") and task["deadline"] == "2024-10-31"


def test_a_deadline_is_not_carried_to_the_next_sentence() -> None:
    found = extract("Sở Y tế:\n– Rà soát dữ liệu, hoàn thành trước 30/9/2024. Cập nhật phần mềm.")[
        "tasks"
    ]
    assert [t["deadline"] for t in found] == ["2024-09-30", None]


def test_issuer_and_own_date_come_from_the_text() -> None:
    result = extract(
        "Chủ tịch UBND tỉnh vừa ban hành Kế hoạch số 12/KH-UBND ngày 03/02/2024 "
        "về chuyển đổi số tỉnh Quảng Trị."
    )
    assert (result["issuer"], result["issued_date"]) == (
        "Chủ tịch UBND tỉnh Quảng Trị",
        "2024-02-03",
    )

"""Phrasings beyond the development set: "before" dates next to a plan's name, and one value
for an enumeration of levels. Sentences written for these tests, not taken from the seeds."""

from __future__ import annotations

import datetime as dt

import pytest

from chiso.plans.extraction import extract
from chiso.plans.extraction.dates import explicit_deadline


@pytest.mark.parametrize(
    ("sentence", "deadline"),
    [
        ("Hoàn thành kế hoạch trước ngày 30/11/2024.", dt.date(2024, 11, 30)),
        (
            "Ban hành kế hoạch chuyển đổi số ngành y tế, chậm nhất là ngày 15/3/2025.",
            dt.date(2025, 3, 15),
        ),
        ("Xây dựng đề án số hoá hồ sơ, hạn trong tháng 6/2025.", dt.date(2025, 6, 30)),
        (
            "Trình Quyết định phê duyệt danh mục dữ liệu mở trước ngày 01/7/2025.",
            dt.date(2025, 7, 1),
        ),
    ],
)
def test_a_before_date_is_a_deadline_even_when_the_clause_names_a_plan(
    sentence: str, deadline: dt.date
) -> None:
    assert explicit_deadline(sentence) == deadline


@pytest.mark.parametrize(
    "sentence",
    [
        "Thực hiện Kế hoạch số 12/KH-UBND ngày 10/01/2023 của UBND tỉnh.",
        "Triển khai Chương trình chuyển đổi số đến năm 2025, định hướng đến năm 2030.",
        "Thực hiện nhiệm vụ theo Quyết định số 45/QĐ-UBND ngày 02/02/2024.",
    ],
)
def test_cited_documents_and_programme_horizons_are_still_not_deadlines(sentence: str) -> None:
    assert explicit_deadline(sentence) is None


def _targets(text: str) -> list[dict[str, object]]:
    return [t for task in extract(text)["tasks"] for t in task["targets"]]


def test_one_value_for_two_levels_keeps_both_levels() -> None:
    found = _targets(
        "Sở Nội vụ:\n– Đảm bảo trong năm 2024 tỷ lệ hồ sơ công việc cấp huyện, cấp xã được xử "
        "lý trên môi trường mạng đạt 80%.\n"
    )
    assert [(t["value"], t["scope"], t["by"]) for t in found] == [
        (80, "cấp huyện, cấp xã", "2024-12-31")
    ]


def test_one_value_for_three_levels_joined_by_va_keeps_all_three() -> None:
    found = _targets(
        "Văn phòng UBND tỉnh:\n– Phấn đấu đến cuối năm 2025 tỷ lệ văn bản điện tử có ký số "
        "của cấp tỉnh, cấp huyện và cấp xã đạt trên 95%.\n"
    )
    assert [(t["value"], t["scope"]) for t in found] == [(95, "cấp tỉnh, cấp huyện, cấp xã")]


def test_a_level_far_from_another_is_not_an_enumeration() -> None:
    found = _targets(
        "Sở Tài chính:\n– Hỗ trợ cấp tỉnh xây dựng kho dữ liệu, bảo đảm tỷ lệ thủ tục cấp xã "
        "được số hoá đạt 70% trong năm 2025.\n"
    )
    assert [(t["value"], t["scope"]) for t in found] == [(70, "cấp xã")]


def test_levels_stated_with_respective_values_still_pair_one_by_one() -> None:
    found = _targets(
        "Sở Nội vụ:\n– Tỷ lệ hồ sơ xử lý trực tuyến của cấp tỉnh, cấp huyện, cấp xã đạt tối "
        "thiểu tương ứng là 70%, 60%, 50% trong năm 2025.\n"
    )
    assert [(t["value"], t["scope"]) for t in found] == [
        (70, "cấp tỉnh"),
        (60, "cấp huyện"),
        (50, "cấp xã"),
    ]

"""Recurrence vocabulary of the labelling rules."""

from __future__ import annotations

import pytest

from chiso.plans.extraction.recurrence import recurrence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Báo cáo kết quả hằng Quý về Sở Nội vụ.", "quarterly"),
        ("Tổng hợp báo cáo hàng năm gồm các nội dung sau.", "annual"),
        ("Hằng năm, rà soát danh mục dữ liệu mở.", "annual"),
        ("Cập nhật thông tin từ 1 lần/tuần.", "weekly"),
        ("Tuyên truyền ít nhất 02 kỳ/tháng.", "2 per month"),
        ("Đăng tải 3 lần/quý.", "3 per quarter"),
        ("Định kỳ báo cáo UBND tỉnh.", "periodic"),
        ("báo cáo UBND tỉnh theo định kỳ.", "periodic"),
        ("ban hành văn bản định kỳ hằng năm nhắc nhở.", "annual"),
        ("Xây dựng hệ thống thông tin mới.", None),
    ],
)
def test_it_names_how_often_the_task_recurs(text: str, expected: str | None) -> None:
    assert recurrence(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "triển khai Kế hoạch cải cách hành chính hàng năm và giai đoạn.",
        "tham mưu chính sách tỷ lệ chi ngân sách tối thiểu hàng năm cho chuyển đổi số.",
    ],
)
def test_yearly_as_an_adjective_on_a_noun_is_not_a_recurrence(text: str) -> None:
    assert recurrence(text) is None

"""Numeric targets: comparators, values, units, metrics, dates and scopes."""

from __future__ import annotations

import pytest

from chiso.plans.extraction.targets import Target, comparator_of, extract_targets, parse_number


def one(text: str) -> Target:
    found = extract_targets(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("phrase", "comparator"),
    [
        ("trên 70%", ">="),
        ("hơn 70%", ">="),
        ("tối thiểu 70%", ">="),
        ("ít nhất 70%", ">="),
        ("từ 70% trở lên", ">="),
        ("không dưới 70%", ">="),
        ("đạt 70%", ">="),
        ("dưới 5%", "<="),
        ("tối đa 5%", "<="),
        ("không quá 5%", "<="),
        ("70%", "="),
        ("khoảng 70%", "="),
        ("chiếm 70%", "="),
        ("hoàn thành 100%", "="),
    ],
)
def test_it_reads_the_comparator_word(phrase: str, comparator: str) -> None:
    target = one(f"Bảo đảm tỷ lệ hộ gia đình dùng cáp quang {phrase}.")
    assert target.comparator == comparator
    assert target.unit == "%"


def test_an_empty_chain_has_no_comparator() -> None:
    assert comparator_of("  ") is None


@pytest.mark.parametrize(
    ("whole", "frac", "value"),
    [("3.000", None, 3000), ("2", "5", 2.5), ("12.500.000", None, 12500000)],
)
def test_it_removes_vietnamese_separators(whole: str, frac: str | None, value: float) -> None:
    assert parse_number(whole, frac) == value


def test_a_decimal_percentage_keeps_its_fraction() -> None:
    assert one("Phấn đấu kinh tế số chiếm 12,5% GRDP.").value == 12.5


def test_a_count_takes_its_noun_as_unit() -> None:
    target = one("Tổ chức trên 1.500 lượt cán bộ được tập huấn kỹ năng số.")
    assert (target.value, target.unit, target.comparator) == (1500, "lượt", ">=")
    assert "cán bộ được tập huấn kỹ năng số" in target.metric


def test_a_quantity_per_period_keeps_the_period_in_its_unit() -> None:
    target = one("Cập nhật tin, bài về chuyển đổi số ít nhất 30 tin, bài/năm.")
    assert (target.value, target.unit, target.comparator) == (30, "tin, bài/năm", ">=")


def test_a_frequency_is_not_a_target() -> None:
    assert extract_targets("Phát sóng chuyên mục 1 lần/tuần, ít nhất 02 kỳ/tháng.") == []


def test_a_rank_range_becomes_an_upper_bound_rank() -> None:
    target = one("phấn đấu thuộc nhóm 15 - 20 tỉnh có chỉ số chuyển đổi số cao nhất.")
    assert (target.value, target.unit, target.comparator) == (20, "thứ hạng", "<=")


def test_scopes_split_one_sentence_into_one_target_per_level() -> None:
    found = extract_targets(
        "95% hồ sơ công việc tại cấp tỉnh, 85% hồ sơ công việc tại cấp "
        "huyện và 70% hồ sơ công việc tại cấp xã được xử lý trên mạng."
    )
    assert [(t.value, t.scope) for t in found] == [
        (95, "cấp tỉnh"),
        (85, "cấp huyện"),
        (70, "cấp xã"),
    ]
    assert {t.metric for t in found} == {"hồ sơ công việc được xử lý trên mạng"}


def test_respective_values_map_to_the_listed_levels() -> None:
    found = extract_targets(
        "Số hóa hồ sơ của cấp tỉnh, cấp huyện, cấp xã đạt tỷ lệ tối thiểu "
        "tương ứng là 60%, 45%, 30%."
    )
    assert [(t.value, t.scope, t.comparator) for t in found] == [
        (60, "cấp tỉnh", ">="),
        (45, "cấp huyện", ">="),
        (30, "cấp xã", ">="),
    ]


def test_the_date_before_a_target_is_its_date() -> None:
    target = one("mục tiêu đến cuối năm 2024, tỷ lệ dân số có điện thoại thông minh đạt 90%.")
    assert (target.by, target.metric) == ("2024-12-31", "tỷ lệ dân số có điện thoại thông minh")


def test_a_reporting_date_after_the_target_is_not_its_date() -> None:
    target = one("đảm bảo 100% công chức có máy tính, báo cáo Sở Nội vụ trước ngày 15/4/2023")
    assert target.by is None


def test_ages_levels_and_labels_are_not_targets() -> None:
    text = (
        "Người dân từ 15 tuổi trở lên dùng dịch vụ công mức độ 3, 4 theo mô hình 4 lớp "
        "tại Nghị quyết số 09-NQ/TU, công nghệ 4.0 và IPv6."
    )
    assert extract_targets(text) == []


def test_a_share_of_a_total_written_without_percent_sign_is_a_percentage() -> None:
    found = extract_targets("cấp huyện trên 65% tổng số hồ sơ mức độ 4, trên 25 tổng số hồ sơ.")
    assert [(t.value, t.unit) for t in found] == [(65, "%"), (25, "%")]


def test_the_metric_drops_the_number_and_comparator() -> None:
    assert one("Kinh tế số chiếm khoảng 25% GRDP.").metric == "Kinh tế số GRDP"

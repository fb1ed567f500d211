"""Deadlines in every form the labelling rules name, and the dates that are not deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from chiso.plans.extraction.dates import REFERENCE, VAGUE, explicit_deadline, find_dates

CASES = [
    ("hoàn thành trước ngày 30/9/2023.", date(2023, 9, 30)),
    ("hoàn thành trước 30-9-2023", date(2023, 9, 30)),
    ("báo cáo UBND tỉnh trước ngày 05/12/2024.", date(2024, 12, 5)),
    ("cuối năm 2023", date(2023, 12, 31)),
    ("đến cuối năm 2026", date(2026, 12, 31)),
    ("trong quý III/2023", date(2023, 9, 30)),
    ("trong quý IV năm 2024", date(2024, 12, 31)),
    ("trong quý 1/2025", date(2025, 3, 31)),
    ("trong tháng 4-2023", date(2023, 4, 30)),
    ("trong tháng 2/2024", date(2024, 2, 29)),
    ("trong tháng 8 năm 2021", date(2021, 8, 31)),
    ("Đến hết tháng 6.2025", date(2025, 6, 30)),
    ("đến năm 2025", date(2025, 12, 31)),
    ("trong năm 2022", date(2022, 12, 31)),
    ("từ ngày 01/10/2022 đến ngày 10/10/2022", date(2022, 10, 10)),
    ("từ ngày 15/01/2022 bảo đảm", date(2022, 1, 15)),
    ("chậm nhất ngày 15 tháng 3 năm 2022", date(2022, 3, 15)),
    ("6 tháng đầu năm 2024", date(2024, 6, 30)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_it_reads_each_deadline_form(text: str, expected: date) -> None:
    assert explicit_deadline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "khẩn trương triển khai",
        "sớm hoàn thành",
        "kịp thời báo cáo",
        "đầu năm 2024",
        "thời hạn theo quy định",
        "giữa năm 2025",
    ],
)
def test_it_gives_no_deadline_for_vague_timing(text: str) -> None:
    assert explicit_deadline(text) is None


def test_it_ignores_the_dates_of_a_programme_name() -> None:
    text = "thực hiện Chương trình chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030"
    assert explicit_deadline(text) is None
    assert {d.kind for d in find_dates(text)} == {REFERENCE}


def test_it_ignores_the_date_of_a_cited_document() -> None:
    text = "theo Công văn số 1234/STTTT-CNTT ngày 06/3/2022 của Sở, hoàn thành trước 31/5/2022."
    assert explicit_deadline(text) == date(2022, 5, 31)


def test_it_ignores_the_year_work_was_assigned() -> None:
    assert explicit_deadline("hoàn thành các nhiệm vụ được giao năm 2022") is None


def test_a_bare_year_is_found_but_is_not_an_explicit_deadline() -> None:
    text = "đảm bảo năm 2024 tỷ lệ hồ sơ trực tuyến trên 70%"
    assert explicit_deadline(text) is None
    assert [d.value for d in find_dates(text)] == [date(2024, 12, 31)]


def test_vague_timing_is_marked_vague() -> None:
    assert [d.kind for d in find_dates("đầu năm 2024")] == [VAGUE]


def test_an_impossible_date_does_not_crash() -> None:
    assert explicit_deadline("trước ngày 31/02/2023") is None

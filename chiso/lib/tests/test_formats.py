from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chiso.lib.formats import parse_vn_date, parse_vn_number, vn_date, vn_number
from chiso.lib.periods import PeriodCodeError, parse_period
from chiso.lib.text import fold


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nghệ An", "nghe an"),
        ("Đắk Nông", "dak nong"),
        ("  Sở  Tài CHÍNH ", "so tai chinh"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("Nghe\u0302\u0323 An", "nghe an"),
    ],
)
def test_fold_ignores_diacritics_case_and_spacing(text: str, key: str) -> None:
    assert fold(text) == key


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7,04", 7.04),
        ("3.000", 3000.0),
        ("1.234,5", 1234.5),
        ("7.04", 7.04),
        ("0.375", 0.375),
        ("-2,96", -2.96),
        ("12.500.000", 12500000.0),
        ("100", 100.0),
    ],
)
def test_vietnamese_numbers_parse_with_decimal_comma_and_thousand_dots(
    text: str, value: float
) -> None:
    assert parse_vn_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["bảy", "nan", "NaN", "inf", "-Infinity", "1e999"])
def test_a_non_number_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_vn_number(text)


def test_numbers_and_dates_display_the_vietnamese_way() -> None:
    assert vn_number(12345.678) == "12.345,68"
    assert vn_number(0.80021, 4) == "0,8002"
    assert vn_number(None) == "–"
    assert vn_date(dt.date(2023, 9, 30)) == "30/09/2023"
    assert parse_vn_date("30/9/2023") == dt.date(2023, 9, 30)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_displayed_numbers_read_back(value: float) -> None:
    assert parse_vn_number(vn_number(value, 2)) == pytest.approx(round(value, 2), abs=0.006)


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2024", "year", "2024-01-01", "2024-12-31"),
        ("2024-Q1", "quarter", "2024-01-01", "2024-03-31"),
        ("2023-q4", "quarter", "2023-10-01", "2023-12-31"),
        ("2024-02", "month", "2024-02-01", "2024-02-29"),
    ],
)
def test_period_codes_give_their_span(code: str, kind: str, start: str, end: str) -> None:
    span = parse_period(code)
    assert (span.kind, span.start.isoformat(), span.end.isoformat()) == (kind, start, end)


@pytest.mark.parametrize("code", ["24", "2024-Q5", "2024-13", "năm 2024", ""])
def test_bad_period_codes_are_refused_with_a_message(code: str) -> None:
    with pytest.raises(PeriodCodeError, match="không hợp lệ"):
        parse_period(code)


def test_the_template_filter_formats_numbers_and_passes_other_values_through() -> None:
    from chiso.lib.templatetags.vn import vn_number as number_filter

    assert number_filter(7.5) == "7,50"
    assert number_filter("7.5", 1) == "7,5"
    assert number_filter("chu_tich") == "chu_tich"
    assert number_filter(None) == "–"
    assert number_filter(True) == "True"

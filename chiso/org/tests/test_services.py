from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

import chiso
from chiso.org.loaders import load_historic_divisions
from chiso.org.models import Unit
from chiso.org.services import AmbiguousUnit, UnitNotFound, predecessors, resolve, successors

DTI_2022 = Path(chiso.__file__).parent / "demo" / "data" / "dti-2022-published-ranking.csv"
IN_2022 = dt.date(2022, 12, 31)


def codes(pairs: list[tuple[Unit, float]]) -> dict[str, float]:
    return {unit.code: round(share, 3) for unit, share in pairs}


@pytest.mark.django_db
def test_all_63_dti_2022_province_names_resolve_to_distinct_units_valid_in_2022() -> None:
    load_historic_divisions()
    with DTI_2022.open(encoding="utf-8") as handle:
        names = [row["province"] for row in csv.DictReader(handle)]
    units = [resolve(name, on=IN_2022) for name in names]
    assert len(names) == len({u.pk for u in units}) == 63
    assert all(u.kind == "province" and u.is_valid_on(IN_2022) for u in units)
    by_name = dict(zip(names, (u.code for u in units), strict=True))
    assert by_name["Nghệ An"] == "nghe-an"
    assert by_name["Thừa Thiên Huế"] == "hue"
    assert by_name["Tây Ninh"] == "h-tay-ninh"
    assert by_name["Bà Rịa - Vũng Tàu"] == "h-ba-ria-vung-tau"


@pytest.mark.parametrize(
    "text, code",
    [
        ("nghe-an", "nghe-an"),
        ("Nghệ An", "nghe-an"),
        ("nghe an", "nghe-an"),
        ("Tỉnh Nghệ An", "nghe-an"),
        ("  TỈNH  NGHỆ AN ", "nghe-an"),
        ("TP Hồ Chí Minh", "ho-chi-minh"),
        ("Thành phố Hồ Chí Minh", "ho-chi-minh"),
        ("Thừa Thiên Huế", "hue"),
        ("Long An", "h-long-an"),
        ("Xã Cần Giuộc", "tay-ninh.xa-can-giuoc"),
    ],
)
def test_resolve_accepts_codes_and_names_without_diacritics(
    nghe_an_and_tay_ninh: None, text: str, code: str
) -> None:
    load_historic_divisions(["hue", "ho-chi-minh"])
    assert resolve(text).code == code


def test_resolve_prefers_the_unit_valid_on_the_given_day(nghe_an_and_tay_ninh: None) -> None:
    assert resolve("Tây Ninh").code == "tay-ninh"
    assert resolve("Tây Ninh", on=IN_2022).code == "h-tay-ninh"
    assert resolve("Cần Giuộc", on=IN_2022).code == "h-long-an.huyen-can-giuoc"


def test_resolve_tells_accents_apart_when_folding_is_ambiguous(all_current: None) -> None:
    assert resolve("Xã Ba Tơ").code == "quang-ngai.xa-ba-to-21484"
    assert resolve("Xã Ba Tô").code == "quang-ngai.xa-ba-to-21523"


def test_an_ambiguous_name_raises_with_the_candidates(all_current: None) -> None:
    with pytest.raises(AmbiguousUnit, match="ứng với nhiều đơn vị") as caught:
        resolve("Xã Tân Thành")
    assert len(caught.value.candidates) > 1


@pytest.mark.parametrize("text", ["Atlantis", "", "Sở Tài chính"])
def test_an_unknown_name_raises_unit_not_found(all_current: None, text: str) -> None:
    with pytest.raises(UnitNotFound, match="Không tìm thấy đơn vị"):
        resolve(text)


def test_new_can_giuoc_has_the_historic_can_giuoc_units_as_predecessors(
    nghe_an_and_tay_ninh: None,
) -> None:
    shares = codes(predecessors(Unit.objects.get(code="tay-ninh.xa-can-giuoc")))
    assert shares["h-long-an.huyen-can-giuoc.thi-tran-can-giuoc"] == pytest.approx(1 / 3, 0.01)
    assert shares["h-long-an.huyen-can-giuoc"] == 1.0  # the only district, on its own scale
    communes = [s for c, s in shares.items() if c.count(".") == 2]
    assert sum(communes) == pytest.approx(1.0, 0.01)


def test_merged_provinces_are_equal_predecessors(nghe_an_and_tay_ninh: None) -> None:
    assert codes(predecessors(Unit.objects.get(code="tay-ninh"))) == {
        "h-long-an": 0.5,
        "h-tay-ninh": 0.5,
    }


def test_successors_share_out_a_divided_district(nghe_an_and_tay_ninh: None) -> None:
    district = Unit.objects.get(code="h-long-an.huyen-can-giuoc")
    shares = codes(successors(district, on=dt.date(2025, 8, 1)))
    assert "tay-ninh.xa-can-giuoc" in shares
    assert sum(shares.values()) == pytest.approx(1.0)


def test_a_unit_valid_on_the_day_is_its_own_successor(nghe_an_and_tay_ninh: None) -> None:
    nghe_an = Unit.objects.get(code="nghe-an")
    assert successors(nghe_an, on=IN_2022) == [(nghe_an, 1.0)]
    assert successors(Unit.objects.get(code="nghe-an.xa-trung-loc"), on=IN_2022) == []


def test_successors_follow_chains(nghe_an_organisations: None) -> None:
    tttt = resolve("Sở TT&TT")
    assert tttt.code == "h-nghe-an.so-thong-tin-va-truyen-thong"
    assert codes(successors(tttt)) == {"nghe-an.so-khoa-hoc-va-cong-nghe": 1.0}
    assert successors(tttt, on=dt.date(2024, 1, 1)) == [(tttt, 1.0)]

from __future__ import annotations

import datetime as dt
import time

import pytest
from vietnam_provinces import Province, Ward

from chiso.accounts.models import AuditEvent
from chiso.org.choices import LineageKind, UnitKind
from chiso.org.loaders import LoadError, load_current_divisions, load_historic_divisions
from chiso.org.models import Lineage, Unit

REFORM = dt.date(2025, 7, 1)


def lineage_of(code: str) -> set[tuple[str, str, float]]:
    rows = Lineage.objects.filter(predecessor__code=code).select_related("successor")
    return {(r.successor.code, r.kind, round(r.weight, 3)) for r in rows}


@pytest.mark.django_db
def test_loading_the_whole_country_is_fast_complete_and_idempotent() -> None:
    started = time.perf_counter()
    first = load_current_divisions()
    historic = load_historic_divisions()
    elapsed = time.perf_counter() - started

    current = Unit.objects.current()
    assert current.filter(kind=UnitKind.PROVINCE).count() == 34
    assert current.filter(kind=UnitKind.COMMUNE).count() == 3321
    old = Unit.objects.filter(valid_to=dt.date(2025, 6, 30))
    assert old.filter(kind=UnitKind.PROVINCE).count() == 63 - 11  # 11 were not merged
    assert old.filter(kind=UnitKind.DISTRICT).count() == 696
    assert old.filter(kind=UnitKind.COMMUNE).count() == 10035
    assert Unit.objects.valid_on(dt.date(2022, 12, 31)).filter(kind="province").count() == 63
    assert first.created["commune"] == 3321 and historic.lineage_created > 10035
    assert elapsed < 30

    again = [load_current_divisions(), load_historic_divisions()]
    assert [r.total_changed for r in again] == [0, 0]
    assert AuditEvent.objects.filter(action="org.load").count() == 4


def test_provinces_follow_the_code_scheme(all_current: None) -> None:
    nghe_an = Unit.objects.get(code="nghe-an")
    hcm = Unit.objects.get(code="ho-chi-minh")
    assert (nghe_an.name, nghe_an.short_name, nghe_an.subtype) == (
        "Tỉnh Nghệ An",
        "Nghệ An",
        "tỉnh",
    )
    assert (nghe_an.official_code, nghe_an.valid_from) == ("40", None)  # not merged in 2025
    assert (hcm.name, hcm.subtype, hcm.valid_from) == ("Thành phố Hồ Chí Minh", "thành phố", REFORM)


def test_nghe_an_has_as_many_communes_as_the_package_lists(all_current: None) -> None:
    expected = len(list(Ward.iter_by_province(Province.from_code(40).code)))
    communes = Unit.objects.filter(parent__code="nghe-an", kind=UnitKind.COMMUNE)
    assert communes.count() == expected == 130
    commune = Unit.objects.get(code="nghe-an.xa-nghi-loc")
    assert (commune.subtype, commune.short_name, commune.valid_from) == ("xã", "Nghi Lộc", REFORM)


def test_wards_sharing_a_codename_get_their_official_code_appended(all_current: None) -> None:
    ba_to = Unit.objects.filter(code__startswith="quang-ngai.xa-ba-to").order_by("code")
    assert [(u.code, u.name) for u in ba_to] == [
        ("quang-ngai.xa-ba-to-21484", "Xã Ba Tơ"),
        ("quang-ngai.xa-ba-to-21523", "Xã Ba Tô"),
    ]


def test_a_province_subset_loads_only_that_province(db: None) -> None:
    report = load_current_divisions(["nghe-an"])
    assert report.created == {"province": 1, "commune": 130}
    assert not Unit.objects.filter(code="tay-ninh").exists()


def test_an_unknown_province_slug_is_refused_before_any_write(db: None) -> None:
    with pytest.raises(LoadError, match="Không có tỉnh, thành phố mã “atlantis”"):
        load_current_divisions(["nghe-an", "atlantis"])
    assert Unit.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_long_an_merged_into_the_new_tay_ninh(nghe_an_and_tay_ninh: None) -> None:
    assert lineage_of("h-long-an") == {("tay-ninh", LineageKind.MERGED_INTO, 1.0)}
    assert lineage_of("h-tay-ninh") == {("tay-ninh", LineageKind.MERGED_INTO, 1.0)}
    assert Unit.objects.get(code="h-tay-ninh").valid_to == dt.date(2025, 6, 30)


def test_a_continuous_province_has_no_historic_copy(nghe_an_and_tay_ninh: None) -> None:
    assert not Unit.objects.filter(code="h-nghe-an").exists()
    district = Unit.objects.get(code="h-nghe-an.huyen-nghi-loc")
    assert (district.kind, district.parent.code) == (UnitKind.DISTRICT, "nghe-an")


def test_a_wholly_merged_commune_points_to_its_one_successor(nghe_an_and_tay_ninh: None) -> None:
    assert lineage_of("h-nghe-an.huyen-nghi-loc.xa-nghi-long") == {
        ("nghe-an.xa-trung-loc", LineageKind.MERGED_INTO, 1.0)
    }


def test_a_district_splits_into_the_communes_its_communes_went_to(
    nghe_an_and_tay_ninh: None,
) -> None:
    edges = lineage_of("h-long-an.huyen-can-giuoc")
    assert {kind for _, kind, _ in edges} == {LineageKind.SPLIT_INTO}
    assert "tay-ninh.xa-can-giuoc" in {code for code, _, _ in edges}
    assert sum(w for _, _, w in edges) == pytest.approx(1.0)


def test_the_historic_set_of_two_provinces_is_idempotent(nghe_an_and_tay_ninh: None) -> None:
    again = load_historic_divisions(["nghe-an", "tay-ninh"])
    assert again.total_changed == 0
    assert sum(again.unchanged.values()) == Unit.objects.count() == 966


def test_search_ignores_diacritics(nghe_an_and_tay_ninh: None) -> None:
    load_historic_divisions(["lam-dong"])
    assert list(Unit.objects.search("dak nong").filter(kind="province")) == [
        Unit.objects.get(code="h-dak-nong")
    ]
    assert Unit.objects.search("NGHE AN").filter(kind="province").get().code == "nghe-an"

"""The demo that `make demo` builds: real units, frameworks, results, scores, a first page."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from chiso.collection.models import Assessment
from chiso.demo.builder import build
from chiso.org.models import PeerGroup, Unit
from chiso.scoring.models import PublishedResult, ScoreSnapshot


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """Build the demo once for this module (it is what a new user gets), then clean up."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        build(progress=lambda _text: None)
        yield
        call_command("flush", interactive=False, verbosity=0)


def _score_json(framework: str, period: str, *extra: str) -> dict[str, object]:
    out = io.StringIO()
    call_command(
        "score",
        "--framework",
        framework,
        "--period",
        period,
        "--format",
        "json",
        *extra,
        stdout=out,
    )
    data: dict[str, object] = json.loads(out.getvalue())
    return data


@pytest.mark.django_db
def test_the_demo_holds_the_real_divisions_of_vietnam(demo: None) -> None:
    assert Unit.objects.filter(kind="province").current().count() == 34
    assert Unit.objects.filter(kind="commune").current().count() == 3321
    assert Unit.objects.filter(parent__code="nghe-an", kind="commune").count() == 130
    assert Unit.objects.filter(parent__code="nghe-an", kind="department").exists()


@pytest.mark.django_db
def test_nghe_an_is_52nd_of_63_in_the_published_dti_2022(demo: None) -> None:
    result = PublishedResult.objects.get(unit__code="nghe-an", year=2022)
    assert (result.rank, result.of) == (52, 63)
    assert PublishedResult.objects.filter(year=2022).count() == 63


@pytest.mark.django_db
def test_score_json_reproduces_the_published_dti_2022_top_five(demo: None) -> None:
    data = _score_json("dti-province-2022", "2022")
    units = data["units"]
    assert isinstance(units, list)
    published = [
        ("Thành phố Đà Nẵng", 1, 0.8002),
        ("Thành phố Hồ Chí Minh", 2, 0.7163),
        ("Tỉnh Quảng Ninh", 3, 0.7024),
        ("Thành phố Huế", 4, 0.6975),
        ("Thành phố Cần Thơ", 5, 0.6924),
    ]
    assert [(u["name"], u["rank"]) for u in units] == [(n, r) for n, r, _i in published]
    for unit, (_name, _rank, index) in zip(units, published, strict=True):
        assert unit["index"] == pytest.approx(index, abs=1e-4)
    assert set(units[0]["views"]) == {"chinh-quyen-so", "kinh-te-so", "xa-hoi-so"}
    assert units[0]["main_indicators"][0] == {
        "code": "1",
        "name": "Nhận thức số",
        "points": 100.0,
        "max_points": 100.0,
        "value": 1.0,
    }


@pytest.mark.django_db
def test_can_giuoc_has_its_real_self_and_appraisal_totals(demo: None) -> None:
    snaps = ScoreSnapshot.objects.filter(unit__code="tay-ninh.xa-can-giuoc", period__code="2025")
    totals = {s.stage: round(s.total, 2) for s in snaps}
    assert totals["self"] == 787.84 and totals["appraisal"] == 606.27


@pytest.mark.django_db
def test_nghe_an_units_are_assessed_and_ranked_for_2023_to_2025(demo: None) -> None:
    for period in ("2023", "2024", "2025"):
        departments = Assessment.objects.filter(
            period__code=period, version__framework__code="nghean-department-example"
        )
        assert (
            departments.count()
            == Unit.objects.filter(
                parent__code="nghe-an", kind="department", valid_to__isnull=True
            ).count()
        )
    current = _score_json("nghean-commune-example", "2025")["units"]
    assert isinstance(current, list) and len(current) == 130
    assert [u["rank"] for u in current][:1] == [1]
    wards = _score_json("nghean-commune-example", "2025", "--group", "nghe-an.phuong")["units"]
    group = PeerGroup.objects.get(code="nghe-an.phuong")
    assert isinstance(wards, list) and len(wards) == group.members.count() == 11
    assert sorted(u["rank"] for u in wards)[0] == 1


@pytest.mark.django_db
def test_building_the_demo_again_changes_nothing(demo: None) -> None:
    before = (Unit.objects.count(), Assessment.objects.count(), ScoreSnapshot.objects.count())
    build(progress=lambda _text: None)
    after = (Unit.objects.count(), Assessment.objects.count(), ScoreSnapshot.objects.count())
    assert after == before


@pytest.mark.django_db
def test_the_first_page_shows_a_ranking_without_n_plus_one_queries(
    demo: None, django_assert_max_num_queries: object
) -> None:
    """The public lands on the portal (published results); a leader on the dashboard."""
    client = Client()
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = client.get("/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    top = (
        ScoreSnapshot.objects.filter(
            version__framework__code="nghean-commune-example",
            period__code="2024",  # the latest published year (2025 is still open)
            stage="final",
            rank=1,
        )
        .select_related("unit")
        .first()
    )
    assert top is not None and top.unit.name in page
    assert "Xếp hạng mức độ chuyển đổi số" in page and "52/63" in page
    client.force_login(User.objects.get(username="lanhdao"))
    with django_assert_max_num_queries(60):  # type: ignore[operator]
        other = client.get("/?c=dti-province-2022:2022")
    assert "Thành phố Đà Nẵng" in other.content.decode() and "52/63" in other.content.decode()

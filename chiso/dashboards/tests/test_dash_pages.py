"""The leaders' dashboard and the unit scorecard on the demo province."""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from chiso.accounts.choices import Role
from chiso.accounts.models import Membership
from chiso.dashboards import freshness
from chiso.dashboards.tests.conftest import person
from chiso.lib.formats import vn_number
from chiso.org.models import PeerGroup
from chiso.scoring.models import ScoreSnapshot
from chiso.scoring.services import rescore

pytestmark = pytest.mark.django_db


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(person(username))  # type: ignore[arg-type]
    return client


def main(page: str) -> str:
    return page.split('<main id="main">')[1].split("</main>")[0]


def snaps(framework: str, period: str) -> Any:
    return ScoreSnapshot.objects.filter(
        version__framework__code=framework, period__code=period, stage="final"
    ).select_related("unit")


@pytest.mark.parametrize("username", ["lanhdao", "quantri", "kiemtra"])
def test_the_province_people_see_the_dashboard_with_a_bounded_number_of_queries(
    demo: None, username: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(username)
    with django_assert_max_num_queries(56):  # cold: each section once, N-free; + the session
        page = client.get("/").content.decode()
    with django_assert_max_num_queries(20):  # warm: session, roles, stamp, live plans
        again = client.get("/").content.decode()
    assert main(again) == main(page)  # the cached sections are what was computed
    assert "Bảng điều hành chuyển đổi số — Tỉnh Nghệ An" in page
    assert "52/63" in page and "nhóm 25–30" in page and "còn cách 22 bậc" in page


def test_the_headline_is_the_mean_of_the_units_this_period_and_last(demo: None) -> None:
    page = client_for("lanhdao").get("/").content.decode()
    now = statistics.fmean(s.index for s in snaps("nghean-department-example", "2025"))
    before = statistics.fmean(s.index for s in snaps("nghean-department-example", "2024"))
    assert vn_number(now, 4) in page
    assert "+" + vn_number(now - before, 4) in page


def test_a_peer_group_filter_ranks_only_its_members_and_shows_the_movement(demo: None) -> None:
    group = PeerGroup.objects.get(code="nghe-an.so-nhom-a")
    url = "/?c=nghean-department-example:2025&group=nghe-an.so-nhom-a"
    page = client_for("lanhdao").get(url).content.decode()
    members = set(group.members.values_list("name", flat=True))
    table = page.split('<table class="ranking">')[1].split("</table>")[0]
    others = {s.unit.name for s in snaps("nghean-department-example", "2025")} - members
    assert all(name in table for name in members)
    assert not any(f">{name}</a>" in table for name in others)
    now = {s.unit.code: s.ranks[group.code] for s in snaps("nghean-department-example", "2025")
           if group.code in s.ranks}  # fmt: skip
    old = {s.unit.code: s.ranks.get(group.code) for s in snaps("nghean-department-example", "2024")}
    moved = next(c for c in now if old.get(c) and old[c] > now[c])
    assert f"▲ {old[moved] - now[moved]}" in table


def test_each_chart_has_a_data_table_and_a_csv_download(demo: None) -> None:
    page = client_for("lanhdao").get("/").content.decode()
    assert page.count('<figure class="chart"') == page.count("Tải số liệu (CSV)") >= 5
    assert page.count("Bảng số liệu của biểu đồ") >= 5
    assert 'download="ranking.csv"' in page and "data:text/csv;charset=utf-8," in page


def test_the_points_still_to_win_name_the_unit_and_the_verifier(demo: None) -> None:
    page = client_for("lanhdao").get("/").content.decode()
    section = page.split('id="gaps"')[1].split("</section>")[0]
    assert "Điểm còn có thể giành" in section and "Sở Khoa học và Công nghệ" in section


def test_the_submission_progress_counts_the_open_period(demo: None) -> None:
    page = client_for("lanhdao").get("/").content.decode()
    section = page.split('id="progress"')[1].split("</section>")[0]
    assert "Năm 2025" in section and "Chưa gửi" in section and "chưa đặt" in section


def test_the_public_and_unit_people_do_not_get_the_dashboard(demo: None) -> None:
    assert client_for(None).get("/")["Location"] == "/portal/"
    response = client_for("nghiloc").get("/")
    assert response["Location"] == "/units/nghe-an.xa-nghi-loc/"
    assert client_for("nghiloc").get("/ranking/?c=x").status_code == 404


def test_a_unit_scorecard_shows_every_indicator_with_stages_and_the_group(
    demo: None, django_assert_max_num_queries: Any
) -> None:
    client = client_for("nghiloc")
    with django_assert_max_num_queries(20):
        page = client.get("/units/nghe-an.xa-nghi-loc/?period=2025").content.decode()
    assert "Bảng điểm: Xã Nghi Lộc" in page
    assert "Trung vị nhóm" in page and "Cao nhất nhóm" in page and "Xã tỉnh Nghệ An" in page
    assert "Bình quân các đơn vị tiền thân" in page  # 2023–2024 from the merged communes
    final = snaps("nghean-commune-example", "2025").get(unit__code="nghe-an.xa-nghi-loc")
    assert vn_number(final.total, 2) in page


def test_a_unit_scorecard_is_not_shown_to_another_unit(demo: None) -> None:
    client = client_for("nghiloc")
    assert client.get("/units/nghe-an.so-tai-chinh/").status_code == 404
    assert client.get("/units/khong-co/").status_code == 404
    assert client_for("lanhdao").get("/units/nghe-an.so-tai-chinh/").status_code == 200


def test_the_freshness_stamp_changes_on_every_rescore(demo: None) -> None:
    before = freshness.stamp()
    snap = snaps("nghean-department-example", "2025").first()
    assert snap is not None
    rescore(snap.version, snap.period)
    assert freshness.stamp() != before


def test_a_cached_dashboard_is_not_served_to_someone_who_lost_the_role(demo: None) -> None:
    client = client_for("lanhdao")
    section = "/ranking/?c=nghean-commune-example:2025"
    assert "Bảng điều hành chuyển đổi số" in client.get("/").content.decode()  # now cached
    assert client.get(section, HTTP_HX_REQUEST="true").status_code == 200
    Membership.objects.filter(user=person("lanhdao"), role=Role.LEADER).delete()
    again = client.get("/")
    assert again.status_code == 302 and again["Location"] == "/portal/"
    assert client.get(section, HTTP_HX_REQUEST="true").status_code == 404


def test_a_logout_reaches_every_worker() -> None:
    """Sessions must not be read from a per-process cache: a logout in one worker would leave
    the session alive in the others' caches."""
    cached = settings.SESSION_ENGINE.endswith(("cache", "cached_db"))
    backend = settings.CACHES["default"]["BACKEND"]
    assert not cached or "locmem" not in backend.lower()


def test_a_cohort_shared_by_provinces_lists_only_the_province_units_with_their_full_ranks(
    demo: None,
) -> None:
    """One national deployment: a framework used by several provinces is one cohort; each
    province's dashboard lists its own units, ranked within the whole cohort."""
    from chiso.collection.models import Assessment, Entry
    from chiso.dashboards import leaders
    from chiso.org.models import Unit

    best = snaps("nghean-commune-example", "2025").order_by("rank").first()
    assert best is not None
    other = Unit.objects.get(code="ha-tinh")  # the demo holds every province
    commune = Unit.objects.create(
        code="ha-tinh.xa-thu", kind="commune", name="Xã Thử Nghiệm", parent=other
    )
    source = Assessment.objects.get(pk=best.assessment_id)
    copy = Assessment.objects.create(unit=commune, version=source.version, period=source.period)
    Entry.objects.bulk_create(
        Entry(
            assessment=copy,
            indicator_id=e.indicator_id,
            self_inputs=e.self_inputs,
            appraisal_inputs=e.appraisal_inputs,
            final_inputs=e.final_inputs,
        )
        for e in source.entries.all()
    )
    rescore(source.version, source.period)
    cohort = leaders.Cohort(source.version, source.period, 0)
    nghe_an = Unit.objects.get(code="nghe-an")
    mine = leaders.ranking(cohort, leaders.Filters(), None, nghe_an)
    theirs = leaders.ranking(cohort, leaders.Filters(), None, other)
    everyone = leaders.ranking(cohort, leaders.Filters(), None)
    assert [r.row.unit_code for r in theirs] == ["ha-tinh.xa-thu"]
    assert "ha-tinh.xa-thu" not in [r.row.unit_code for r in mine]
    assert len(mine) + 1 == len(everyone)
    assert theirs[0].row.rank == 1 and mine[0].row.rank == 1  # tied at the top of the cohort
    page = client_for("lanhdao").get("/?c=nghean-commune-example:2025").content.decode()
    assert "Xã Thử Nghiệm" not in page and best.unit.name in page

"""The public portal shows only what an admin published, and never internal comments,
people's names or private evidence — logged in or not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from chiso.accounts.models import AuditEvent
from chiso.collection.models import Entry, Evidence, Period
from chiso.dashboards.models import Publication
from chiso.dashboards.services import NotAllowed, publish, unpublish
from chiso.dashboards.tests.conftest import person
from chiso.frameworks.models import FrameworkVersion

pytestmark = pytest.mark.django_db

COMMUNES = "nghean-commune-example"
SECRET_COMMENT = "Ý KIẾN NỘI BỘ: hồ sơ chưa đạt, đề nghị trừ điểm"
SECRET_NOTE = "Ghi chú nội bộ của đơn vị"
SECRET_OWNER = "Nguyễn Thị Bí Mật"
PRIVATE_EVIDENCE = "Biên bản họp kín số 01"
PUBLIC_EVIDENCE = "Kế hoạch 586/KH-UBND công khai"


def clients() -> list[Client]:
    """The public, a leader and an admin: the portal is the same for all of them."""
    out = [Client()]
    for username in ("lanhdao", "quantri"):
        client = Client()
        client.force_login(person(username))  # type: ignore[arg-type]
        out.append(client)
    return out


def version() -> FrameworkVersion:
    found = FrameworkVersion.objects.get(framework__code=COMMUNES)
    return found


@pytest.fixture
def marked(demo: None) -> Entry:
    """One published (2024) entry carrying internal comments and two pieces of evidence."""
    entry = (
        Entry.objects.filter(
            assessment__period__code="2024", assessment__version__framework__code=COMMUNES
        )
        .select_related("assessment__unit")
        .first()
    )
    assert entry is not None
    Entry.objects.filter(pk=entry.pk).update(
        review_comment=SECRET_COMMENT, note=SECRET_NOTE, owner=SECRET_OWNER
    )
    unit = entry.assessment.unit
    for title, public in ((PRIVATE_EVIDENCE, False), (PUBLIC_EVIDENCE, True)):
        item = Evidence.objects.create(unit=unit, kind="document", title=title, is_public=public,
                                       number=title, summary=title)  # fmt: skip
        item.entries.add(entry)
    return entry


def test_only_published_periods_appear_logged_in_or_not(demo: None) -> None:
    for client in clients():
        index = client.get("/portal/").content.decode()
        assert f"/portal/{COMMUNES}/2024/" in index and f"/portal/{COMMUNES}/2025/" not in index
        assert client.get(f"/portal/{COMMUNES}/2024/").status_code == 200
        assert client.get(f"/portal/{COMMUNES}/2025/").status_code == 404
        assert client.get(f"/portal/{COMMUNES}/2025/nghe-an.xa-nghi-loc/").status_code == 404
        assert client.get(f"/reports/open-data/{COMMUNES}/2025.csv").status_code == 404
        assert client.get(f"/reports/open-data/{COMMUNES}/2024.json").status_code == 200


def test_the_portal_index_shows_a_ranking_and_the_published_dti(
    demo: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        page = Client().get("/portal/").content.decode()
    assert "Xếp hạng mức độ chuyển đổi số" in page and "52/63" in page
    assert "Năm 2024" in page and "Năm 2025" not in page.split("<aside>")[0]


def test_internal_comments_names_and_private_evidence_never_appear(marked: Entry) -> None:
    unit = marked.assessment.unit.code
    pages = [f"/portal/{COMMUNES}/2024/{unit}/", f"/portal/{COMMUNES}/2024/", "/portal/"]
    pages += [f"/reports/open-data/{COMMUNES}/2024.{f}" for f in ("csv", "json")]
    for client in clients():
        for url in pages:
            body = client.get(url).content.decode("utf-8-sig")
            for secret in (SECRET_COMMENT, SECRET_NOTE, SECRET_OWNER, PRIVATE_EVIDENCE):
                assert secret not in body, (url, secret)
    card = Client().get(pages[0]).content.decode()
    assert PUBLIC_EVIDENCE in card and marked.indicator.name in card


def test_the_internal_scorecard_does_show_them_to_the_province(marked: Entry) -> None:
    client = Client()
    client.force_login(person("lanhdao"))  # type: ignore[arg-type]
    unit = marked.assessment.unit.code
    page = client.get(f"/units/{unit}/?period=2024&framework={COMMUNES}").content.decode()
    assert SECRET_COMMENT in page and SECRET_OWNER in page and PRIVATE_EVIDENCE in page


def test_open_data_follows_the_documented_schema(demo: None) -> None:
    data = json.loads(Client().get(f"/reports/open-data/{COMMUNES}/2024.json").content)
    assert data["schema"] == "chiso-opendata" and data["period"] == "2024"
    first = data["units"][0]
    fields = {"framework", "framework_version", "period", "code", "name", "total", "index",
              "rank", "band", "main_indicators", "views", "group_ranks"}  # fmt: skip
    assert set(first) == fields
    csv = Client().get(f"/reports/open-data/{COMMUNES}/2024.csv").content.decode("utf-8-sig")
    header = csv.splitlines()[0].split(",")
    assert header[:9] == ["framework", "framework_version", "period", "code", "name", "rank",
                          "total", "index", "band"]  # fmt: skip
    assert "main_1" in header and "view_kinh-te-so" in header


def test_only_an_admin_publishes_and_withdraws_and_both_are_audited(demo: None) -> None:
    period = Period.objects.get(code="2025")
    with pytest.raises(NotAllowed):
        publish(person("lanhdao"), version(), period)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        publish(person("nghiloc"), version(), period)  # type: ignore[arg-type]
    publish(person("quantri"), version(), period)  # type: ignore[arg-type]
    assert Client().get(f"/portal/{COMMUNES}/2025/").status_code == 200
    assert unpublish(person("quantri"), version(), period, "nhầm kỳ")  # type: ignore[arg-type]
    assert Client().get(f"/portal/{COMMUNES}/2025/").status_code == 404
    actions = AuditEvent.objects.filter(object_type="dashboards.publication")
    assert list(actions.order_by("id").values_list("action", flat=True))[-2:] == [
        "publication.publish",
        "publication.unpublish",
    ]
    assert not Publication.objects.filter(period=period).exists()

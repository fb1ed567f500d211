"""The admin's publishing page: who may use it, and what publishing and withdrawing change
for the public (portal, open API) and in the audit log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chiso.accounts.choices import Role
from chiso.accounts.models import AuditEvent, Membership
from chiso.collection.models import Period
from chiso.dashboards.models import Publication
from chiso.dashboards.tests.conftest import person
from chiso.frameworks.models import FrameworkVersion
from chiso.org.models import Unit

pytestmark = pytest.mark.django_db

COMMUNES = "nghean-commune-example"
PORTAL_2025 = f"/portal/{COMMUNES}/2025/"
API_2025 = f"/api/rankings?framework={COMMUNES}&period=2025"


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(person(username))  # type: ignore[arg-type]
    return client


def cohort_key(period: str = "2025") -> str:
    """The form value naming the commune cohort of `period` in Nghệ An."""
    version = FrameworkVersion.objects.get(framework__code=COMMUNES)
    province = Unit.objects.get(code="nghe-an")
    return f"{province.pk}:{version.pk}:{Period.objects.get(code=period).pk}"


def post(client: Client, action: str, text: str = "", period: str = "2025") -> object:
    data = {"cohort": cohort_key(period), "action": action, "text": text}
    return client.post("/publish/", data)


@pytest.fixture
def outsider(demo: None) -> str:
    """An admin of another province (a test one), who must not publish Nghệ An's results."""
    province = Unit.objects.create(code="tinh-thu-nghiem", kind="province", name="Tỉnh Thử Nghiệm")
    user = get_user_model().objects.create_user("quantri-tinh-khac", password="x-unused-x")
    Membership.objects.create(user=user, unit=province, role=Role.ADMIN)
    return "quantri-tinh-khac"


def test_the_province_admin_sees_every_cohort_with_its_state(demo: None) -> None:
    page = client_for("quantri").get("/publish/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="cohort-{COMMUNES}-2024"' in html and f'id="cohort-{COMMUNES}-2025"' in html
    published_2024 = html.split(f'id="cohort-{COMMUNES}-2024"')[1].split("</tr>")[0]
    open_2025 = html.split(f'id="cohort-{COMMUNES}-2025"')[1].split("</tr>")[0]
    assert "Đã công bố" in published_2024 and "Rút công bố" in published_2024
    assert "Chưa công bố" in open_2025 and 'value="publish"' in open_2025
    assert "dti" not in html.split("<tbody>")[1]  # the national DTI is not the province's


def test_the_menu_offers_the_page_to_admins_only(demo: None) -> None:
    assert 'href="/publish/"' in client_for("quantri").get("/").content.decode()
    assert 'href="/publish/"' not in client_for("lanhdao").get("/").content.decode()
    assert 'href="/publish/"' not in client_for(None).get("/portal/").content.decode()


@pytest.mark.parametrize("username", ["lanhdao", "kiemtra", "nghiloc"])
def test_leaders_auditors_and_reporters_get_404_on_the_page_and_the_action(
    demo: None, username: str
) -> None:
    client = client_for(username)
    assert client.get("/publish/").status_code == 404
    assert post(client, "publish").status_code == 404  # type: ignore[attr-defined]
    assert not Publication.objects.filter(period__code="2025").exists()


def test_the_public_is_sent_to_log_in(demo: None) -> None:
    response = Client().post("/publish/", {"cohort": cohort_key(), "action": "publish"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Publication.objects.filter(period__code="2025").exists()


def test_an_admin_of_another_province_cannot_publish_this_one(outsider: str) -> None:
    client = client_for(outsider)
    page = client.get("/publish/").content.decode()
    assert COMMUNES not in page  # that province has no scored cohort
    assert post(client, "publish").status_code == 404  # type: ignore[attr-defined]
    assert not Publication.objects.filter(period__code="2025").exists()
    assert not AuditEvent.objects.filter(action="publication.publish", actor__username=outsider)


def test_publishing_shows_the_cohort_to_the_public_on_the_portal_and_the_api(
    demo: None,
) -> None:
    public = Client()
    assert public.get(PORTAL_2025).status_code == 404
    assert public.get(API_2025).status_code == 404
    assert f"/portal/{COMMUNES}/2025/" not in public.get("/portal/").content.decode()
    response = post(client_for("quantri"), "publish", "Công bố sơ bộ")
    assert response["Location"] == "/publish/"  # type: ignore[index]
    assert public.get(PORTAL_2025).status_code == 200
    assert f"/portal/{COMMUNES}/2025/" in public.get("/portal/").content.decode()
    rows = public.get(API_2025).json()
    assert len(rows) > 10 and {"code", "rank", "index"} <= set(rows[0])
    found = Publication.objects.get(period__code="2025", version__framework__code=COMMUNES)
    assert found.published_by == person("quantri") and found.note == "Công bố sơ bộ"
    event = AuditEvent.objects.filter(action="publication.publish").latest("id")
    assert event.actor == person("quantri") and event.new == {"note": "Công bố sơ bộ"}


def test_withdrawing_removes_the_cohort_from_the_public_and_is_audited(demo: None) -> None:
    public = Client()
    assert public.get(f"/portal/{COMMUNES}/2024/").status_code == 200  # warm the cache
    assert public.get(f"/api/rankings?framework={COMMUNES}&period=2024").status_code == 200
    post(client_for("quantri"), "withdraw", "Số liệu cần rà soát lại", period="2024")
    assert public.get(f"/portal/{COMMUNES}/2024/").status_code == 404
    assert public.get(f"/api/rankings?framework={COMMUNES}&period=2024").status_code == 404
    assert f"/portal/{COMMUNES}/2024/" not in public.get("/portal/").content.decode()
    event = AuditEvent.objects.filter(action="publication.unpublish").latest("id")
    assert event.actor == person("quantri") and event.reason == "Số liệu cần rà soát lại"


def test_withdrawing_without_a_reason_is_refused_and_changes_nothing(demo: None) -> None:
    response = post(client_for("quantri"), "withdraw", "   ", period="2024")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Rút công bố phải nêu lý do." in response.content.decode()  # type: ignore[attr-defined]
    assert Publication.objects.filter(period__code="2024").count() == 2
    assert not AuditEvent.objects.filter(action="publication.unpublish").exists()

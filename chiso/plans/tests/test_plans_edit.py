"""The province admin's forms: documents, attachments, objectives, how targets are measured.

Each write is audited; bad input gets a precise message and writes nothing; every new URL
refuses reporters, leaders, anonymous visitors and another province's admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chiso.accounts.models import AuditEvent
from chiso.conftest import load_version
from chiso.org.models import Unit
from chiso.plans import services
from chiso.plans.choices import Comparator, Pillar
from chiso.plans.models import Attachment, Document, Measurement, Objective, Target
from chiso.plans.services import TargetSpec
from chiso.plans.tests.conftest import person

PDF = b"%PDF-1.4\n%chiso\n"


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def target(directive: Document) -> Target:
    spec = TargetSpec(
        metric="hồ sơ trực tuyến",
        comparator=Comparator.AT_LEAST,
        value=80,
        unit="%",
        deadline=dt.date(2025, 12, 31),
    )
    objective = services.add_objective(
        "test", directive, pillar=Pillar.GOVERNMENT, text="80% hồ sơ", targets=[spec]
    )
    return objective.targets.get()


@pytest.fixture
def attachment(directive: Document, media: None) -> Attachment:
    upload = SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf")
    return services.add_attachment("test", directive, upload)


def _audits(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- documents ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_creates_a_document_that_implements_another(
    admin_user: User, directive: Document, province: Unit
) -> None:
    response = _client(admin_user).post(
        reverse("plans:document_create"),
        {
            "province": province.pk,
            "kind": "plan",
            "number": "586/KH-UBND",
            "issued_on": "15/11/2022",
            "issuer": "UBND tỉnh Nghệ An",
            "title": "Kế hoạch thực hiện chỉ thị",
            "text": "Toàn văn kế hoạch",
            "related": [directive.pk],
        },
    )
    created = Document.objects.get(number="586/KH-UBND")
    assert response.status_code == 302 and response["Location"].endswith(f"/{created.pk}/")
    assert (created.issued_on, created.province) == (dt.date(2022, 11, 15), province)
    assert list(created.related.all()) == [directive]
    assert _audits("plans.create_document") == 2  # the fixture's directive and this one


@pytest.mark.django_db
def test_an_impossible_date_or_a_taken_number_is_refused_and_nothing_is_written(
    admin_user: User, directive: Document, province: Unit
) -> None:
    client = _client(admin_user)
    base = {"province": province.pk, "kind": "plan", "issuer": "UBND", "title": "Kế hoạch"}
    before = Document.objects.count()
    html = client.post(
        reverse("plans:document_create"), {**base, "issued_on": "31/02/2025"}
    ).content.decode()
    assert "Ngày 31/02/2025 không có trong lịch." in html
    html = client.post(
        reverse("plans:document_create"), {**base, "number": "12/CT-UBND"}
    ).content.decode()
    assert "Tỉnh đã có văn bản số 12/CT-UBND." in html
    assert Document.objects.count() == before


@pytest.mark.django_db
def test_the_admin_edits_a_document_and_the_audit_keeps_the_old_title(
    admin_user: User, directive: Document
) -> None:
    response = _client(admin_user).post(
        reverse("plans:document_edit", args=[directive.pk]),
        {
            "kind": "directive",
            "number": "12/CT-UBND",
            "issued_on": "01/08/2025",
            "issuer": "UBND tỉnh Nghệ An",
            "title": "Chỉ thị về chuyển đổi số (sửa)",
        },
    )
    assert response.status_code == 302
    directive.refresh_from_db()
    assert directive.title == "Chỉ thị về chuyển đổi số (sửa)"
    event = AuditEvent.objects.get(action="plans.update_document")
    assert "Chỉ thị về đẩy mạnh chuyển đổi số" in str(event.old)


# --- attachments -------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_attachment_is_uploaded_typed_and_downloaded_only_by_readers(
    admin_user: User, leader: User, directive: Document, media: None
) -> None:
    ha_tinh = Unit.objects.create(code="ha-tinh", kind="province", name="Tỉnh Hà Tĩnh")
    outsider = person("lanhdao-ht", ha_tinh, "leader")
    upload = SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="text/html")
    response = _client(admin_user).post(
        reverse("plans:attachment_upload", args=[directive.pk]), {"file": upload}
    )
    assert response.status_code == 302
    found = Attachment.objects.get()
    assert (found.content_type, found.size) == ("application/pdf", len(PDF))
    assert _audits("plans.add_attachment") == 1
    download = _client(leader).get(reverse("plans:attachment", args=[found.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert _client(outsider).get(reverse("plans:attachment", args=[found.pk])).status_code == 404
    assert _client(None).get(reverse("plans:attachment", args=[found.pk])).status_code == 302


@pytest.mark.django_db
def test_a_file_whose_bytes_are_not_its_type_is_refused(
    admin_user: User, directive: Document, media: None
) -> None:
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    client = _client(admin_user)
    response = client.post(
        reverse("plans:attachment_upload", args=[directive.pk]), {"file": fake}, follow=True
    )
    assert "Chỉ nhận tệp PDF" in response.content.decode()
    assert not Attachment.objects.exists() and _audits("plans.add_attachment") == 0


# --- objectives and targets --------------------------------------------------------------


OBJECTIVE = {
    "pillar": "government",
    "text": "90% hồ sơ cấp tỉnh, 80% cấp huyện, 60% cấp xã xử lý trên môi trường mạng",
    "metric": "hồ sơ công việc xử lý trên môi trường mạng",
    "comparator": ">=",
    "unit": "%",
    "deadline": "31/12/2025",
    "value_province": "90",
    "value_district": "80",
    "value_commune": "60",
}


@pytest.mark.django_db
def test_one_statement_becomes_one_objective_with_a_target_per_level(
    admin_user: User, directive: Document
) -> None:
    response = _client(admin_user).post(
        reverse("plans:objective_add", args=[directive.pk]), OBJECTIVE
    )
    assert response.status_code == 302
    objective = Objective.objects.get(document=directive)
    assert list(objective.targets.values_list("scope", "value")) == [
        ("province", 90.0),
        ("district", 80.0),
        ("commune", 60.0),
    ]
    assert _audits("plans.add_objective") == 1


@pytest.mark.django_db
def test_a_value_that_is_not_a_number_or_a_31st_of_february_writes_nothing(
    admin_user: User, directive: Document
) -> None:
    client = _client(admin_user)
    url = reverse("plans:objective_add", args=[directive.pk])
    html = client.post(url, {**OBJECTIVE, "value_district": "tám mươi"}).content.decode()
    assert "“tám mươi” không phải là một số" in html
    html = client.post(url, {**OBJECTIVE, "deadline": "31/02/2025"}).content.decode()
    assert "Ngày 31/02/2025 không có trong lịch." in html
    empty = {k: v for k, v in OBJECTIVE.items() if not k.startswith("value_")}
    assert "Nhập giá trị cho ít nhất một cấp." in client.post(url, empty).content.decode()
    assert not Objective.objects.filter(document=directive).exists()
    assert not Target.objects.filter(objective__document=directive).exists()


@pytest.mark.django_db
def test_the_admin_records_a_manual_measurement_with_evidence(
    admin_user: User, target: Target
) -> None:
    client = _client(admin_user)
    url = reverse("plans:target_measure", args=[target.pk])
    html = client.post(url, {"value": "bảy mươi", "measured_on": "30/09/2025"}).content.decode()
    assert "“bảy mươi” không phải là một số" in html
    response = client.post(
        url, {"value": "72,5", "measured_on": "30/09/2025", "evidence": "Báo cáo 123/BC-STTTT"}
    )
    assert response.status_code == 302
    measurement = Measurement.objects.get(target=target)
    assert (measurement.value, measurement.measured_on) == (72.5, dt.date(2025, 9, 30))
    assert measurement.recorded_by == admin_user
    page = client.get(reverse("plans:target", args=[target.pk])).content.decode()
    assert "Báo cáo 123/BC-STTTT" in page


@pytest.mark.django_db
def test_the_admin_links_a_target_to_a_framework_indicator(
    admin_user: User, target: Target
) -> None:
    load_version("nghean-department-example.yaml")
    client = _client(admin_user)
    url = reverse("plans:target_link", args=[target.pk])
    form = {"framework": "nghean-department-example", "aggregate": "mean"}
    html = client.post(url, {**form, "code": "9.9"}).content.decode()
    assert "Bộ chỉ số nghean-department-example không có chỉ tiêu mã 9.9." in html
    target.refresh_from_db()
    assert target.indicator_id is None
    finance = Unit.objects.get(code="nghe-an.so-tai-chinh")
    one = {**form, "aggregate": "unit", "code": "6.1"}
    assert "Chọn đơn vị khi tính cho một đơn vị." in client.post(url, one).content.decode()
    response = client.post(url, {**one, "measured_unit": finance.pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.indicator is not None and target.indicator.code == "6.1"
    assert (target.measured_unit, target.indicator_input) == (finance, "%")
    assert _audits("plans.link_indicator") == 1
    measure = reverse("plans:target_measure", args=[target.pk])
    html = client.post(measure, {"value": "70", "measured_on": "30/09/2025"}).content.decode()
    assert "không nhập số liệu thủ công" in html and not Measurement.objects.exists()


@pytest.mark.django_db
def test_the_target_page_runs_a_fixed_number_of_queries(admin_user: User, target: Target) -> None:
    client = _client(admin_user)
    url = reverse("plans:target", args=[target.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(1, 21):
        services.record_measurement(
            "test", target, value=40 + day, measured_on=dt.date(2024, 1, day)
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 25


@pytest.mark.django_db
def test_the_document_page_runs_a_fixed_number_of_queries_whatever_its_attachments(
    admin_user: User, directive: Document, media: None
) -> None:
    client = _client(admin_user)
    url = reverse("plans:document", args=[directive.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        upload = SimpleUploadedFile(f"tep-{i}.pdf", PDF, content_type="application/pdf")
        services.add_attachment("test", directive, upload)
    with CaptureQueriesContext(connection) as many:
        assert "tep-4.pdf" in client.get(url).content.decode()
    assert len(many) == len(few)


# --- who may do what ---------------------------------------------------------------------


def _urls(doc: Document, target: Target, attachment: Attachment) -> list[tuple[str, str]]:
    """(method, url) of every admin-only page and action."""
    return [
        ("get", reverse("plans:document_edit", args=[doc.pk])),
        ("post", reverse("plans:document_edit", args=[doc.pk])),
        ("post", reverse("plans:attachment_upload", args=[doc.pk])),
        ("get", reverse("plans:objective_add", args=[doc.pk])),
        ("post", reverse("plans:objective_add", args=[doc.pk])),
        ("post", reverse("plans:target_link", args=[target.pk])),
        ("post", reverse("plans:target_measure", args=[target.pk])),
    ]


@pytest.mark.django_db
def test_the_admin_opens_every_form(
    admin_user: User, directive: Document, target: Target, attachment: Attachment
) -> None:
    client = _client(admin_user)
    assert client.get(reverse("plans:document_create")).status_code == 200
    for method, url in _urls(directive, target, attachment):
        if method == "get":
            assert client.get(url).status_code == 200, url
    assert client.get(reverse("plans:target", args=[target.pk])).status_code == 200
    assert client.get(reverse("plans:attachment", args=[attachment.pk])).status_code == 200


@pytest.mark.parametrize("who", ["owner", "leader", "other_admin"])
@pytest.mark.django_db
def test_everyone_but_the_provinces_admin_is_refused_and_nothing_changes(
    who: str,
    request: pytest.FixtureRequest,
    directive: Document,
    target: Target,
    attachment: Attachment,
) -> None:
    user = request.getfixturevalue(who)
    client = _client(user)
    before = AuditEvent.objects.count()
    for method, url in _urls(directive, target, attachment):
        data = {**OBJECTIVE, "value": "1", "measured_on": "01/01/2025", "title": "x"}
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code == 404, (who, method, url)
    assert AuditEvent.objects.count() == before
    assert Objective.objects.filter(document=directive).count() == 1
    if who == "other_admin":
        for url in (
            reverse("plans:target", args=[target.pk]),
            reverse("plans:attachment", args=[attachment.pk]),
        ):
            assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_only_admins_add_documents_and_only_to_their_own_province(
    owner: User, leader: User, other_admin: User, province: Unit, directive: Document
) -> None:
    url = reverse("plans:document_create")
    for user in (owner, leader):
        assert _client(user).get(url).status_code == 404
        assert _client(user).post(url, {"province": province.pk}).status_code == 404
    stranger = _client(other_admin)
    data = {"province": province.pk, "kind": "plan", "issuer": "UBND", "title": "Kế hoạch lạ"}
    response = stranger.post(url, data)
    assert response.status_code == 200 and "province" in response.context["form"].errors
    assert not Document.objects.filter(title="Kế hoạch lạ").exists()
    assert _client(None).get(url).status_code == 302


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page_from_every_new_url(
    directive: Document, target: Target, attachment: Attachment
) -> None:
    client = _client(None)
    urls = [u for _m, u in _urls(directive, target, attachment)] + [
        reverse("plans:document_create"),
        reverse("plans:target", args=[target.pk]),
        reverse("plans:attachment", args=[attachment.pk]),
    ]
    for url in urls:
        response = (
            client.post(url)
            if url.endswith(("dinh-kem/", "chi-so/", "so-lieu/"))
            else (client.get(url))
        )
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    assert Attachment.objects.count() == 1 and Measurement.objects.count() == 0


@pytest.mark.django_db
def test_readers_see_the_target_page_without_the_forms(leader: User, target: Target) -> None:
    html = _client(leader).get(reverse("plans:target", args=[target.pk])).content.decode()
    assert "hồ sơ trực tuyến" in html and "Liên kết chỉ số" not in html

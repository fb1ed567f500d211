"""Every plans URL for the owner, another unit, the leader and an anonymous visitor."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chiso.plans import services
from chiso.plans.models import Document, Occurrence, ProgressUpdate

PDF = b"%PDF-1.4\n"


@pytest.fixture
def evidence(
    finance_task: Occurrence, owner: User, settings: object, tmp_path: object
) -> ProgressUpdate:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("mc.pdf", PDF, content_type="application/pdf")
    return services.post_progress(owner, finance_task, note="Đã làm", evidence=upload)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


LISTS = ["plans:my_tasks", "plans:documents", "plans:targets", "plans:overdue", "plans:calendar"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(name: str, directive: Document) -> None:
    response = _client(None).get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_anonymous_visitors_get_nothing_of_one_task(
    finance_task: Occurrence, evidence: ProgressUpdate
) -> None:
    client = _client(None)
    for url in (
        reverse("plans:occurrence", args=[finance_task.pk]),
        reverse("plans:document", args=[finance_task.task.document_id]),
        reverse("plans:evidence", args=[evidence.pk]),
    ):
        assert client.get(url).status_code == 302
    client.post(reverse("plans:complete", args=[finance_task.pk]))
    finance_task.refresh_from_db()
    assert finance_task.status == "in_progress"


@pytest.mark.django_db
def test_the_owner_sees_its_task_its_document_and_its_evidence(
    finance_task: Occurrence, owner: User, evidence: ProgressUpdate
) -> None:
    client = _client(owner)
    assert client.get(reverse("plans:occurrence", args=[finance_task.pk])).status_code == 200
    doc = reverse("plans:document", args=[finance_task.task.document_id])
    assert client.get(doc).status_code == 200
    response = client.get(reverse("plans:evidence", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_another_unit_gets_404_for_every_url_of_a_task_not_its_own(
    finance_task: Occurrence, outsider: User, evidence: ProgressUpdate
) -> None:
    client = _client(outsider)
    pk = finance_task.pk
    assert client.get(reverse("plans:occurrence", args=[pk])).status_code == 404
    assert client.get(reverse("plans:evidence", args=[evidence.pk])).status_code == 404
    for name in ("plans:post_progress", "plans:complete", "plans:return"):
        assert (
            client.post(reverse(name, args=[pk]), {"note": "x", "reason": "x"}).status_code == 404
        )
    finance_task.refresh_from_db()
    assert finance_task.status == "in_progress" and finance_task.updates.count() == 1


@pytest.mark.django_db
def test_another_unit_lists_only_its_own_tasks(
    finance_task: Occurrence, home_affairs_task: Occurrence, outsider: User
) -> None:
    client = _client(outsider)
    for name in ("plans:my_tasks", "plans:overdue"):
        html = client.get(reverse(name), {"q": ""}).content.decode()
        assert "Sở Tài chính bố trí" not in html
    html = client.get(reverse("plans:my_tasks")).content.decode()
    assert "Sở Nội vụ bố trí" in html


@pytest.mark.django_db
def test_the_leader_reads_every_task_of_the_province_but_updates_none(
    finance_task: Occurrence, leader: User, evidence: ProgressUpdate
) -> None:
    client = _client(leader)
    assert client.get(reverse("plans:occurrence", args=[finance_task.pk])).status_code == 200
    assert client.get(reverse("plans:evidence", args=[evidence.pk])).status_code == 200
    response = client.post(reverse("plans:complete", args=[finance_task.pk]))
    assert response.status_code == 404
    html = client.get(reverse("plans:overdue"), {"q": ""}).content.decode()
    assert "Sở Tài chính" in html or "Không có nhiệm vụ quá hạn" in html


@pytest.mark.django_db
def test_a_leader_of_another_province_gets_404(finance_task: Occurrence) -> None:
    from chiso.org.models import Unit
    from chiso.plans.tests.conftest import person

    other = Unit.objects.create(code="ha-tinh", kind="province", name="Tỉnh Hà Tĩnh")
    stranger = person("lanhdao-ht", other, "leader")
    client = _client(stranger)
    assert client.get(reverse("plans:occurrence", args=[finance_task.pk])).status_code == 404
    doc = reverse("plans:document", args=[finance_task.task.document_id])
    assert client.get(doc).status_code == 404

"""Plans through the API: documents, targets, tasks and progress, under the plans' access rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from chiso.api.models import ApiToken
from chiso.api.tokens import create_token
from chiso.exports.tests.cast import Cast
from chiso.plans import services
from chiso.plans.models import Occurrence


def bearer(user: User) -> dict[str, str]:
    name = f"ke hoach {ApiToken.objects.count()}"
    return {"Authorization": f"Bearer {create_token(user, name).secret}"}


@pytest.fixture
def task(cast: Cast) -> Occurrence:
    document = services.create_document(
        "test",
        province=cast.province,
        kind="directive",
        number="12/CT-UBND",
        issued_on=dt.date(2025, 1, 10),
        title="Đẩy mạnh chuyển đổi số",
        issuer="UBND tỉnh",
    )
    spec = services.TaskSpec(
        text="Xây dựng kế hoạch CĐS", lead_text="UBND các xã", deadline=dt.date(2025, 6, 30)
    )
    services.assign_task("test", document, spec)
    return Occurrence.objects.get(unit=cast.commune)


@pytest.mark.django_db
def test_the_lead_units_reporter_posts_progress_and_others_may_not(
    cast: Cast, task: Occurrence, client: Client
) -> None:
    url = f"/api/plans/tasks/{task.pk}/progress"
    body = {"note": "Đã trình UBND xã", "percent": 50}
    mine = client.post(url, body, content_type="application/json", headers=bearer(cast.reporter))
    assert mine.status_code == 201, mine.content
    leader = bearer(cast.people["leader-own"])
    assert (
        client.post(url, body, content_type="application/json", headers=leader).status_code == 403
    )
    outsider = bearer(cast.people["reporter-other"])
    assert (
        client.post(url, body, content_type="application/json", headers=outsider).status_code == 404
    )
    listed = client.get(url, headers=leader).json()
    assert [(u["author"], u["percent"]) for u in listed] == [("reporter-own", 50)]


@pytest.mark.django_db
def test_documents_and_tasks_are_listed_for_who_may_see_them(
    cast: Cast, task: Occurrence, client: Client
) -> None:
    own = client.get("/api/plans/tasks?mine=true", headers=bearer(cast.reporter)).json()
    assert [t["unit"] for t in own["items"]] == ["t.xa-a"]  # not t.xa-b, also a lead
    far = client.get("/api/plans/documents", headers=bearer(cast.people["leader-other"])).json()
    assert far["count"] == 0
    near = client.get("/api/plans/documents", headers=bearer(cast.people["leader-own"])).json()
    assert [d["number"] for d in near["items"]] == ["12/CT-UBND"]
    doc = near["items"][0]["id"]
    targets = client.get(f"/api/plans/documents/{doc}/targets", headers=bearer(cast.reporter))
    assert targets.status_code == 200
    assert client.get(f"/api/plans/documents/{doc}").status_code == 401

"""The REST API beyond the permission matrix: schema, tokens, conflicts, audit, evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openapi_spec_validator import validate

from chiso.accounts.models import AuditEvent
from chiso.api.models import ApiToken
from chiso.api.tokens import create_token
from chiso.collection.choices import Review
from chiso.collection.models import Assessment, Evidence
from chiso.collection.workflow import review_entry
from chiso.exports.tests.cast import Cast
from chiso.scoring.models import ScoreSnapshot

OPERATIONS = {
    ("get", "/api/units"),
    ("get", "/api/units/{code}"),
    ("get", "/api/frameworks"),
    ("get", "/api/frameworks/{code}/versions/{number}/indicators"),
    ("get", "/api/assessments"),
    ("get", "/api/assessments/{pk}"),
    ("get", "/api/assessments/{pk}/entries"),
    ("patch", "/api/assessments/{pk}/entries"),
    ("post", "/api/assessments/{pk}/transitions/{name}"),
    ("post", "/api/assessments/{pk}/entries/{code}/verify"),
    ("post", "/api/assessments/{pk}/entries/{code}/review"),
    ("get", "/api/assessments/{pk}/scores"),
    ("get", "/api/assessments/{pk}/evidence"),
    ("post", "/api/assessments/{pk}/evidence/documents"),
    ("post", "/api/assessments/{pk}/evidence/files"),
    ("post", "/api/assessments/{pk}/evidence/{evidence_id}/links"),
    ("get", "/api/evidence/{evidence_id}/download"),
    ("get", "/api/rankings"),
    ("get", "/api/plans/documents"),
    ("get", "/api/plans/documents/{pk}"),
    ("get", "/api/plans/documents/{pk}/targets"),
    ("get", "/api/plans/tasks"),
    ("get", "/api/plans/tasks/{pk}/progress"),
    ("post", "/api/plans/tasks/{pk}/progress"),
}


def bearer(user: User) -> dict[str, str]:
    name = f"thu {ApiToken.objects.count()}"
    return {"Authorization": f"Bearer {create_token(user, name).secret}"}


def patch(client: Client, cast: Cast, headers: dict[str, str], revision: int, **inputs: Any) -> Any:
    body = {"revision": revision, "changes": [{"code": "1.3", "inputs": inputs}]}
    url = f"/api/assessments/{cast.assessment.pk}/entries"
    return client.patch(url, body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_the_openapi_schema_is_valid_and_lists_every_operation(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    listed = {(m, p) for p, item in schema["paths"].items() for m in item}
    assert listed == OPERATIONS
    summaries = [op["summary"] for item in schema["paths"].values() for op in item.values()]
    assert "Danh sách bản đánh giá mà bạn được xem" in summaries
    assert client.get("/api/docs").status_code == 200


@pytest.mark.django_db
def test_a_stale_revision_is_a_409_conflict_naming_both_values(cast: Cast, client: Client) -> None:
    headers = bearer(cast.reporter)
    assert patch(client, cast, headers, 0, count=7).status_code == 200
    response = patch(client, cast, headers, 0, count=9)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current"] == {"1.3": {"count": 7}}
    assert body["revision"] == 1
    assert any("đang lưu: count = 7; bạn nhập: count = 9" in d for d in body["details"])
    assert cast.assessment.entries.get(indicator__code="1.3").self_inputs == {"count": 7}


@pytest.mark.django_db
def test_invalid_values_are_422_with_every_message_and_change_nothing(
    cast: Cast, client: Client
) -> None:
    response = patch(client, cast, bearer(cast.reporter), 0, count=-2)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "không được âm" in response.json()["details"][0]
    assert Assessment.objects.get(pk=cast.assessment.pk).revision == 0


@pytest.mark.django_db
def test_errors_follow_accept_language(cast: Cast, client: Client) -> None:
    url = f"/api/assessments/{cast.assessment.pk + 99}"
    headers = bearer(cast.reporter)
    assert client.get(url, headers=headers).json()["message"] == "Không tìm thấy."
    english = client.get(url, headers={**headers, "Accept-Language": "en-GB,en;q=0.8"})
    assert english.json() == {"code": "not_found", "message": "Not found.", "details": []}


@pytest.mark.django_db(transaction=True)
def test_transitions_through_the_api_leave_audit_rows_with_the_tokens_user(
    cast: Cast, client: Client
) -> None:
    cast.fill()
    base = f"/api/assessments/{cast.assessment.pk}/transitions"
    submit = client.post(
        f"{base}/submit", {}, content_type="application/json", headers=bearer(cast.reporter)
    )
    assert submit.status_code == 200
    assert submit.json()["status"] == "submitted"
    head = cast.people["head-own"]
    sign = client.post(f"{base}/sign", {}, content_type="application/json", headers=bearer(head))
    assert sign.json()["status"] == "signed"
    rows = AuditEvent.objects.filter(action__in=["assessment.submit", "assessment.sign"])
    assert {(r.action, r.actor) for r in rows} == {
        ("assessment.submit", cast.reporter),
        ("assessment.sign", head),
    }


@pytest.mark.django_db
def test_a_transition_from_the_wrong_state_is_a_workflow_error(cast: Cast, client: Client) -> None:
    url = f"/api/assessments/{cast.assessment.pk}/transitions/approve"
    response = client.post(
        url, {}, content_type="application/json", headers=bearer(cast.people["admin-own"])
    )
    assert response.status_code == 400
    assert response.json()["code"] == "workflow"


@pytest.mark.django_db(transaction=True)
def test_a_returned_indicator_fixed_through_the_api_goes_back_to_review(
    cast: Cast, client: Client
) -> None:
    cast.move_to("verified")
    admin = cast.people["admin-own"]
    review_entry(cast.assessment, "1.3", Review.RETURNED, admin, comment="Thiếu tin bài")
    revision = Assessment.objects.get(pk=cast.assessment.pk).revision
    response = patch(client, cast, bearer(cast.reporter), revision, count=15)
    assert response.status_code == 200, response.content
    entry = cast.assessment.entries.get(indicator__code="1.3")
    assert (entry.self_inputs, entry.review) == ({"count": 15}, "pending")
    scores = client.get(
        f"/api/assessments/{cast.assessment.pk}/scores", headers=bearer(cast.reporter)
    ).json()
    assert {s["stage"] for s in scores} >= {"self", "final"}
    assert ScoreSnapshot.objects.get(assessment=cast.assessment, stage="self").points["1.3"] == 15


@pytest.mark.django_db
def test_a_token_is_shown_once_stored_as_a_hash_and_stops_working_when_revoked(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.reporter)
    page = client.post("/api/tokens/", {"name": "kịch bản báo cáo"})
    assert page.status_code == 201
    secret = page.context["created"].secret
    token = ApiToken.objects.get()
    assert secret.startswith("chiso_") and secret not in (token.digest, token.prefix)
    assert secret not in client.get("/api/tokens/").content.decode()
    api = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/assessments", headers=headers).status_code == 200
    assert client.post("/api/tokens/", {"revoke": token.pk}).status_code == 302
    assert api.get("/api/assessments", headers=headers).status_code == 401
    actions = list(
        AuditEvent.objects.filter(action__startswith="api_token").values_list("action", "actor")
    )
    assert actions == [
        ("api_token.revoke", cast.reporter.pk),
        ("api_token.create", cast.reporter.pk),
    ]


@pytest.mark.django_db
def test_nobody_revokes_someone_elses_token(cast: Cast, client: Client) -> None:
    other = create_token(cast.people["head-own"], "cua lanh dao").token
    client.force_login(cast.reporter)
    assert client.post("/api/tokens/", {"revoke": other.pk}).status_code == 404
    assert ApiToken.objects.get(pk=other.pk).is_active


@pytest.mark.django_db
def test_the_browser_session_works_and_needs_the_csrf_token_to_write(cast: Cast) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.reporter)
    assert browser.get("/api/assessments").status_code == 200
    response = patch(browser, cast, {}, 0, count=3)
    assert response.status_code == 403
    assert cast.assessment.entries.get(indicator__code="1.3").self_inputs == {}


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_evidence_uploaded_through_the_api_is_linked_and_downloadable_only_by_who_may_see(
    cast: Cast, client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/api/assessments/{cast.assessment.pk}/evidence/files"
    upload = SimpleUploadedFile("ke-hoach.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"file": upload, "entries": "1.2"}, headers=bearer(cast.reporter))
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["content_type"], item["entries"]) == ("application/pdf", ["1.2"])
    download = f"/api/evidence/{item['id']}/download"
    got = client.get(download, headers=bearer(cast.people["auditor-own"]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert client.get(download, headers=bearer(cast.people["reporter-other"])).status_code == 404


@pytest.mark.django_db
def test_a_file_that_is_not_an_accepted_type_is_refused_and_not_stored(
    cast: Cast, client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/api/assessments/{cast.assessment.pk}/evidence/files"
    fake = SimpleUploadedFile(
        "bao-cao.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client.post(url, {"file": fake}, headers=bearer(cast.reporter))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_a_document_reference_can_be_linked_to_more_indicators(cast: Cast, client: Client) -> None:
    headers = bearer(cast.reporter)
    base = f"/api/assessments/{cast.assessment.pk}/evidence"
    body = {
        "number": "586/KH-UBND",
        "issued_on": "2025-03-01",
        "signer": "Chủ tịch",
        "summary": "Kế hoạch CĐS 2025",
        "entries": ["1.2"],
    }
    created = client.post(
        f"{base}/documents", body, content_type="application/json", headers=headers
    ).json()
    linked = client.post(
        f"{base}/{created['id']}/links",
        {"entries": ["1.3"]},
        content_type="application/json",
        headers=headers,
    )
    assert sorted(linked.json()["entries"]) == ["1.2", "1.3"]
    listed = client.get(base, headers=headers).json()
    assert [e["number"] for e in listed] == ["586/KH-UBND"]


@pytest.mark.django_db
def test_assessments_are_filtered_and_scoped(cast: Cast, client: Client) -> None:
    headers = bearer(cast.people["leader-own"])
    everything = client.get("/api/assessments", headers=headers).json()
    assert {a["unit"] for a in everything["items"]} == {"t.xa-a", "t.xa-b"}
    one = client.get("/api/assessments?unit=t.xa-b&period=2025&status=draft", headers=headers)
    assert [a["unit"] for a in one.json()["items"]] == ["t.xa-b"]
    mine = client.get("/api/assessments", headers=bearer(cast.reporter)).json()
    assert [a["unit"] for a in mine["items"]] == ["t.xa-a"]
    assert mine["items"][0]["transitions"] == ["submit"]


@pytest.mark.django_db
def test_a_due_date_is_set_and_cleared_through_the_api(cast: Cast, client: Client) -> None:
    url = f"/api/assessments/{cast.assessment.pk}/entries"
    headers = bearer(cast.reporter)

    def send(revision: int, **change: Any) -> Any:
        body = {"revision": revision, "changes": [{"code": "1.3", **change}]}
        return client.patch(url, body, content_type="application/json", headers=headers)

    assert send(0, due="2025-09-30", owner="Chị Lan").status_code == 200
    entry = cast.assessment.entries.get(indicator__code="1.3")
    assert (entry.due, entry.owner) == (dt.date(2025, 9, 30), "Chị Lan")
    both = send(1, due="2025-10-31", clear_due=True)
    assert both.status_code == 422
    assert "Không gửi cùng lúc due và clear_due" in both.json()["details"][0]
    assert send(1, clear_due=True).json()["revision"] == 2
    entry.refresh_from_db()
    assert (entry.due, entry.owner) == (None, "Chị Lan")
    row = AuditEvent.objects.filter(action="entry.update").order_by("id").last()
    assert row is not None and (row.old, row.new) == ({"due": "2025-09-30"}, {"due": None})

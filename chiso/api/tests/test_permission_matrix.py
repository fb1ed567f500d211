"""Every API operation × every role (own unit / another unit) × anonymous × a bad token.

"Own" people reach commune t.xa-a (its reporter and head, the province's admin, leader and
auditor, the province's verifying office); "other" people hold the same role elsewhere.
A forbidden access must fail: 403 when the caller may see the assessment but not do this,
404 (exactly like a missing one) when they may not even see it, 401 without valid credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from chiso.api.tokens import create_token
from chiso.dashboards.models import Publication
from chiso.exports.tests.cast import ROLES, Cast

PERSONAS = [f"{r}-{s}" for r in ROLES for s in ("own", "other")] + ["anonymous", "bad-token"]


@dataclass(frozen=True)
class Op:
    method: str
    path: Callable[[Cast], str]
    allowed: dict[str, int]  # "role-own" → status for own-unit people who may do it
    own_others: int = 403  # own-unit people without the role
    other: int = 404  # people of other units
    anonymous: int = 401
    body: Callable[[Cast], dict[str, Any]] | None = None
    setup: Callable[[Cast], Any] | None = None


def _a(c: Cast) -> str:
    return f"/api/assessments/{c.assessment.pk}"


ALL_OWN = {f"{r}-own": 200 for r in ROLES}
ALL = {**ALL_OWN, **{f"{r}-other": 200 for r in ROLES}}
OPS: dict[str, Op] = {
    "list-assessments": Op("get", lambda c: "/api/assessments", ALL),
    "read-assessment": Op("get", _a, ALL_OWN),
    "read-entries": Op("get", lambda c: _a(c) + "/entries", ALL_OWN),
    "read-scores": Op("get", lambda c: _a(c) + "/scores", ALL_OWN),
    "read-evidence": Op("get", lambda c: _a(c) + "/evidence", ALL_OWN),
    "read-unit": Op("get", lambda c: "/api/units/t.xa-a", ALL_OWN),
    "list-units": Op("get", lambda c: "/api/units", ALL),
    "list-frameworks": Op("get", lambda c: "/api/frameworks", ALL),
    "read-indicators": Op("get", lambda c: "/api/frameworks/rt-commune/versions/1/indicators", ALL),
    "rankings-final-published": Op(
        "get",
        lambda c: "/api/rankings?framework=rt-commune&period=2025",
        ALL,
        anonymous=200,
        setup=lambda c: Publication.objects.create(
            version=c.assessment.version, period=c.assessment.period, published_at=timezone.now()
        ),
    ),
    # Unpublished results do not exist for the public, exactly like a missing cohort.
    "rankings-final-unpublished": Op(
        "get", lambda c: "/api/rankings?framework=rt-commune&period=2025", ALL, anonymous=404
    ),
    "rankings-self": Op(
        "get", lambda c: "/api/rankings?framework=rt-commune&period=2025&stage=self", ALL
    ),
    "write-values": Op(
        "patch",
        lambda c: _a(c) + "/entries",
        {"reporter-own": 200},
        body=lambda c: {
            "revision": c.assessment.revision,
            "changes": [{"code": "1.3", "inputs": {"count": 4}}],
        },
    ),
    "submit": Op(
        "post", lambda c: _a(c) + "/transitions/submit", {"reporter-own": 200}, setup=Cast.fill
    ),
    "sign": Op(
        "post",
        lambda c: _a(c) + "/transitions/sign",
        {"head-own": 200},
        setup=lambda c: c.move_to("submitted"),
    ),
    "verify": Op(
        "post",
        lambda c: _a(c) + "/entries/1.1/verify",
        {"verifier-own": 200},
        setup=lambda c: c.move_to("signed"),
    ),
    "review": Op(
        "post",
        lambda c: _a(c) + "/entries/1.2/review",
        {"admin-own": 200},
        body=lambda c: {"decision": "accepted"},
        setup=lambda c: c.move_to("verified"),
    ),
    "add-document": Op(
        "post",
        lambda c: _a(c) + "/evidence/documents",
        {"reporter-own": 201, "head-own": 201, "admin-own": 201},
        body=lambda c: {"number": "12/KH-UBND", "summary": "Kế hoạch CĐS 2025", "entries": ["1.2"]},
    ),
}


def expected(op: Op, persona: str) -> int:
    if persona == "bad-token":
        return 401
    if persona == "anonymous":
        return op.anonymous
    if persona in op.allowed:
        return op.allowed[persona]
    return op.own_others if persona.endswith("-own") else op.other


def call(client: Client, cast: Cast, op: Op, persona: str) -> Any:
    headers: dict[str, str] = {}
    if persona == "bad-token":
        headers["Authorization"] = "Bearer chiso_not-a-real-token"
    elif persona != "anonymous":
        secret = create_token(cast.people[persona], "ma tran").secret
        headers["Authorization"] = f"Bearer {secret}"
    body = op.body(cast) if op.body else {}
    return getattr(client, op.method)(
        op.path(cast), body, content_type="application/json", headers=headers
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", list(OPS))
def test_each_operation_answers_each_persona_as_the_access_rules_say(
    cast: Cast, client: Client, operation: str, persona: str
) -> None:
    op = OPS[operation]
    if op.setup:
        op.setup(cast)
    response = call(client, cast, op, persona)
    assert response.status_code == expected(op, persona), response.content
    if response.status_code >= 400:
        assert response.json()["code"] in {"unauthorized", "forbidden", "not_found"}


def test_the_matrix_covers_every_operation_in_the_schema() -> None:
    from chiso.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    documented = {(m, p) for p, item in schema["paths"].items() for m in item}
    # Operations whose permissions are tested elsewhere, with their own fixtures.
    elsewhere = {
        ("post", "/api/assessments/{pk}/evidence/files"),  # test_evidence.py
        ("post", "/api/assessments/{pk}/evidence/{evidence_id}/links"),
        ("get", "/api/evidence/{evidence_id}/download"),
    } | {op for op in documented if op[1].startswith("/api/plans/")}  # test_plans_api.py
    covered = {(op.method, _template(op)) for op in OPS.values()}
    missing = documented - covered - elsewhere
    assert not missing, f"operations without a permission matrix row: {sorted(missing)}"


def _template(op: Op) -> str:
    class Fake:
        class assessment:  # stands in for the attribute of a Cast
            pk = "{pk}"

    path = op.path(Fake)  # type: ignore[arg-type]
    path = path.split("?")[0]
    return (
        path.replace("/t.xa-a", "/{code}")
        .replace("/rt-commune/versions/1/", "/{code}/versions/{number}/")
        .replace("/transitions/submit", "/transitions/{name}")
        .replace("/transitions/sign", "/transitions/{name}")
        .replace("/entries/1.1/", "/entries/{code}/")
        .replace("/entries/1.2/", "/entries/{code}/")
    )

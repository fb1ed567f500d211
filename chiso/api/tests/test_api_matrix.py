"""Every API operation of the OpenAPI schema × every role (own unit / another unit) ×
anonymous × a bad token, generated from `/api/openapi.json`.

The operations come from the schema the API serves, not from a list kept by hand: an operation
that appears without a row in OPS fails `test_every_operation_in_the_schema_has_a_row`, so
nobody adds an endpoint without saying who may call it.

"Own" people reach commune t.xa-a and province t's plans (its reporter and head, the
province's admin, leader and auditor, the province's verifying office); "other" people hold the
same role elsewhere (commune t.xa-b, province u). A forbidden call must fail: 403 when the
caller may see the object but not do this, 404 (exactly like a missing one) when they may not
even see it, 401 without valid credentials. Each call runs in a transaction that is rolled
back, so one persona's allowed write does not change what the next one sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from chiso.api.tests.world import World, pdf
from chiso.api.tokens import create_token
from chiso.dashboards.models import Publication
from chiso.exports.tests.cast import ROLES
from chiso.lib.testing import ledger

PERSONAS = [f"{r}-{s}" for r in ROLES for s in ("own", "other")] + ["anonymous", "bad-token"]
ALL_OWN = {f"{r}-own": 200 for r in ROLES}
ALL = {**ALL_OWN, **{f"{r}-other": 200 for r in ROLES}}
REFUSALS = {"unauthorized", "forbidden", "not_found"}
UNIT_WRITERS = ("reporter-own", "head-own", "admin-own")  # evidence: the unit's roles


@dataclass(frozen=True)
class Case:
    path: Callable[[World], str]
    allowed: dict[str, int]  # persona → status for those who may do it
    own_others: int = 403  # own-side people without the role
    other: int = 404  # people of other units
    anonymous: int = 401
    body: Callable[[World], dict[str, Any]] | None = None
    setup: Callable[[World], Any] | None = None
    multipart: bool = False  # the body is a form with a file, not JSON


def _a(w: World) -> str:
    return f"/api/assessments/{w.assessment.pk}"


def _publish(w: World) -> None:
    Publication.objects.create(
        version=w.assessment.version, period=w.assessment.period, published_at=timezone.now()
    )


def _make_public(w: World) -> None:
    w.evidence.is_public = True
    w.evidence.save(update_fields=["is_public"])


def _upload(w: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("ke-hoach.pdf", pdf()), "entries": "1.2", "title": "KH"}


RANKINGS = "/api/rankings?framework=rt-commune&period=2025"
OPS: dict[tuple[str, str], list[Case]] = {
    ("get", "/api/assessments"): [Case(lambda w: "/api/assessments", ALL)],
    ("get", "/api/assessments/{pk}"): [Case(_a, ALL_OWN)],
    ("get", "/api/assessments/{pk}/entries"): [Case(lambda w: _a(w) + "/entries", ALL_OWN)],
    ("get", "/api/assessments/{pk}/scores"): [Case(lambda w: _a(w) + "/scores", ALL_OWN)],
    ("get", "/api/assessments/{pk}/evidence"): [Case(lambda w: _a(w) + "/evidence", ALL_OWN)],
    ("get", "/api/units/{code}"): [Case(lambda w: "/api/units/t.xa-a", ALL_OWN)],
    ("get", "/api/units"): [Case(lambda w: "/api/units", ALL)],
    ("get", "/api/frameworks"): [Case(lambda w: "/api/frameworks", ALL)],
    ("get", "/api/frameworks/{code}/versions/{number}/indicators"): [
        Case(lambda w: "/api/frameworks/rt-commune/versions/1/indicators", ALL)
    ],
    ("get", "/api/rankings"): [
        Case(lambda w: RANKINGS, ALL, anonymous=200, setup=_publish),
        # Unpublished results do not exist for the public, exactly like a missing cohort.
        Case(lambda w: RANKINGS, ALL, anonymous=404),
        Case(lambda w: RANKINGS + "&stage=self", ALL),
    ],
    ("patch", "/api/assessments/{pk}/entries"): [
        Case(
            lambda w: _a(w) + "/entries",
            {"reporter-own": 200},
            body=lambda w: {
                "revision": w.assessment.revision,
                "changes": [{"code": "1.3", "inputs": {"count": 4}}],
            },
        )
    ],
    ("post", "/api/assessments/{pk}/transitions/{name}"): [
        Case(lambda w: _a(w) + "/transitions/submit", {"reporter-own": 200}, setup=World.fill),
        Case(
            lambda w: _a(w) + "/transitions/sign",
            {"head-own": 200},
            setup=lambda w: w.move_to("submitted"),
        ),
    ],
    ("post", "/api/assessments/{pk}/entries/{code}/verify"): [
        Case(
            lambda w: _a(w) + "/entries/1.1/verify",
            {"verifier-own": 200},
            setup=lambda w: w.move_to("signed"),
        )
    ],
    ("post", "/api/assessments/{pk}/entries/{code}/review"): [
        Case(
            lambda w: _a(w) + "/entries/1.2/review",
            {"admin-own": 200},
            body=lambda w: {"decision": "accepted"},
            setup=lambda w: w.move_to("verified"),
        )
    ],
    ("post", "/api/assessments/{pk}/evidence/documents"): [
        Case(
            lambda w: _a(w) + "/evidence/documents",
            dict.fromkeys(UNIT_WRITERS, 201),
            body=lambda w: {"number": "12/KH-UBND", "summary": "Kế hoạch CĐS", "entries": ["1.2"]},
        )
    ],
    ("post", "/api/assessments/{pk}/evidence/files"): [
        Case(
            lambda w: _a(w) + "/evidence/files",
            dict.fromkeys(UNIT_WRITERS, 201),
            body=_upload,
            multipart=True,
        )
    ],
    ("post", "/api/assessments/{pk}/evidence/{evidence_id}/links"): [
        Case(
            lambda w: f"{_a(w)}/evidence/{w.evidence.pk}/links",
            dict.fromkeys(UNIT_WRITERS, 200),
            body=lambda w: {"entries": ["1.3"]},
        )
    ],
    ("get", "/api/evidence/{evidence_id}/download"): [
        Case(lambda w: f"/api/evidence/{w.evidence.pk}/download", ALL_OWN),
        # Marked public but its cohort unpublished: still only for who may see the unit
        # (the public reads published evidence through the portal).
        Case(lambda w: f"/api/evidence/{w.evidence.pk}/download", ALL_OWN, setup=_make_public),
    ],
    ("get", "/api/plans/documents"): [Case(lambda w: "/api/plans/documents", ALL)],
    ("get", "/api/plans/documents/{pk}"): [
        Case(lambda w: f"/api/plans/documents/{w.document.pk}", ALL_OWN)
    ],
    ("get", "/api/plans/documents/{pk}/targets"): [
        Case(lambda w: f"/api/plans/documents/{w.document.pk}/targets", ALL_OWN)
    ],
    ("get", "/api/plans/tasks"): [
        Case(lambda w: "/api/plans/tasks", ALL),
        Case(lambda w: "/api/plans/tasks?mine=true", ALL),
    ],
    ("get", "/api/plans/tasks/{pk}/progress"): [
        Case(lambda w: f"/api/plans/tasks/{w.occurrence.pk}/progress", ALL_OWN)
    ],
    ("post", "/api/plans/tasks/{pk}/progress"): [
        Case(
            lambda w: f"/api/plans/tasks/{w.occurrence.pk}/progress",
            {"admin-own": 201, "reporter-own": 201, "head-own": 201},  # the province, the lead
            body=lambda w: {"note": "Đã trình UBND xã", "percent": 50},
        )
    ],
}


def expected(case: Case, persona: str) -> int:
    if persona == "bad-token":
        return 401
    if persona == "anonymous":
        return case.anonymous
    if persona in case.allowed:
        return case.allowed[persona]
    return case.own_others if persona.endswith("-own") else case.other


def schema_operations() -> set[tuple[str, str]]:
    from chiso.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    return {(method, path) for path, item in schema["paths"].items() for method in item}


def test_every_operation_in_the_schema_has_a_row() -> None:
    documented = schema_operations()
    missing = sorted(documented - set(OPS))
    assert not missing, f"operations nobody said who may call: {missing}"
    stale = sorted(set(OPS) - documented)
    assert not stale, f"matrix rows for operations that no longer exist: {stale}"


def test_the_schema_served_at_openapi_json_is_the_one_enumerated(client: Client) -> None:
    served = client.get("/api/openapi.json").json()
    assert {(m, p) for p, item in served["paths"].items() for m in item} == schema_operations()


@dataclass
class Callers:
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, world: World) -> Callers:
        out = cls({"anonymous": {}, "bad-token": {"Authorization": "Bearer chiso_not-a-token"}})
        for persona in PERSONAS[:-2]:
            secret = create_token(world.people[persona], "ma tran").secret
            out.headers[persona] = {"Authorization": f"Bearer {secret}"}
        return out


def call(world: World, case: Case, method: str, headers: dict[str, str]) -> Any:
    """The call, in a transaction that is rolled back."""
    client = Client()
    body = case.body(world) if case.body else {}
    with transaction.atomic():
        if case.multipart:
            response = client.post(case.path(world), body, headers=headers)
        else:
            response = getattr(client, method)(
                case.path(world), body, content_type="application/json", headers=headers
            )
        transaction.set_rollback(True)
    return response


def check(world: World, callers: Callers, method: str, case: Case) -> list[str]:
    """Every persona's call after the case's setup (rolled back afterwards)."""
    wrong = []
    with transaction.atomic():
        if case.setup:
            case.setup(world)
        for persona in PERSONAS:
            response = call(world, case, method, callers.headers[persona])
            want = expected(case, persona)
            if response.status_code != want:
                got = f"{response.status_code} {response.content[:120]!r}"
                wrong.append(f"{method.upper()} {case.path(world)} {persona}: {got} ≠ {want}")
            elif want >= 400 and response.json()["code"] not in REFUSALS:
                wrong.append(f"{method.upper()} {case.path(world)} {persona}: {response.json()}")
        transaction.set_rollback(True)
    world.assessment.refresh_from_db()  # the setup moved it in memory too
    world.evidence.refresh_from_db()
    return wrong


def test_every_operation_answers_every_persona_as_the_access_rules_say(world: World) -> None:
    callers = Callers.of(world)
    cases = [(method, case) for (method, _), row in sorted(OPS.items()) for case in row]
    wrong = [line for method, case in cases for line in check(world, callers, method, case)]
    checked = len(cases) * len(PERSONAS)
    assert not wrong, f"{len(wrong)} of {checked}:\n" + "\n".join(wrong)
    ledger.attack("API operation × persona", checked)

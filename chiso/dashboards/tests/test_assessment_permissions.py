"""Every URL of the assessment pages × every role × own unit / another unit / anonymous.

"Not yours" answers 404 exactly like "does not exist"; "yours to see but not to do" answers
403; anonymous visitors are sent to the login page (302). A forbidden access must fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from chiso.collection.choices import EvidenceKind
from chiso.collection.models import Assessment, Evidence
from chiso.dashboards.tests.test_assessment_fixtures import ROLES, Cast, cast_fixture  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
UNIT_WRITERS = {"reporter", "head", "admin"}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    args: Callable[[Cast, Assessment, Evidence], list[Any]]
    allowed: Callable[[str], int]  # role → status when the unit is visible to that role
    data: Callable[[Cast, Assessment, Evidence], dict[str, Any]] = lambda c, a, e: {}
    scoped: bool = True  # False: not about one unit (no 404 for "another unit")


def only(roles: set[str], ok: int) -> Callable[[str], int]:
    return lambda role: ok if role in roles else 403


def every(ok: int) -> Callable[[str], int]:
    return lambda role: ok


def _pk(c: Cast, a: Assessment, e: Evidence) -> list[Any]:
    return [a.pk]


def _leaf(code: str) -> Callable[[Cast, Assessment, Evidence], list[Any]]:
    return lambda c, a, e: [a.pk, c.entry(code, a).pk]


ROUTES = [
    Route("collection:home", "get", lambda c, a, e: [], every(200), scoped=False),
    Route("collection:open_period", "get", lambda c, a, e: [], only({"admin"}, 200), scoped=False),
    Route("collection:verify", "get", lambda c, a, e: [], only({"verifier"}, 200), scoped=False),
    Route("collection:audit", "get", lambda c, a, e: [], only({"admin", "auditor"}, 200),
          scoped=False),
    Route("collection:detail", "get", _pk, every(200)),
    Route("collection:history", "get", _pk, every(200)),
    Route("collection:entry_history", "get", _leaf("2.1"), every(200)),
    Route("collection:review", "get", _pk, only({"admin"}, 200)),
    Route("collection:evidence", "get", lambda c, a, e: [e.pk], every(200)),
    Route("collection:save", "post", _pk, only({"reporter"}, 302),
          lambda c, a, e: {"rev": a.revision}),
    Route("collection:save_leaf", "post", _leaf("2.1"), only({"reporter"}, 200),
          lambda c, a, e: {f"in-{c.entry('2.1', a).pk}-count": "3"}),
    Route("collection:transition", "post", lambda c, a, e: [a.pk, "approve"],
          only({"admin"}, 302)),
    Route("collection:mark_fixed", "post", _leaf("2.1"), only({"reporter"}, 302)),
    Route("collection:add_evidence", "post", _leaf("2.1"), only(UNIT_WRITERS, 302),
          lambda c, a, e: {"kind": "document", "number": "1/KH", "summary": "Kế hoạch"}),
    Route("collection:add_evidence", "post", _leaf("2.1"), only(UNIT_WRITERS, 302),
          lambda c, a, e: {"kind": "pick", "evidence": e.pk}),
    Route("collection:remove_evidence", "post",
          lambda c, a, e: [a.pk, c.entry("1.2", a).pk, e.pk], only(UNIT_WRITERS, 302)),
    Route("collection:reuse_evidence", "post", _pk, only(UNIT_WRITERS, 302)),
    Route("collection:review_entry", "post", _leaf("2.1"), only({"admin"}, 302),
          lambda c, a, e: {"decision": "accepted"}),
    Route("collection:verify_entry", "post", _leaf("1.1"), only({"verifier"}, 302),
          lambda c, a, e: {"action": "confirm"}),
    # Last: it succeeds for the reporter and moves the assessment out of the unit's hands.
    Route("collection:transition", "post", lambda c, a, e: [a.pk, "submit"],
          only({"reporter"}, 302)),
]  # fmt: skip


@pytest.fixture(autouse=True)
def fast_setup(settings: Any, tmp_path: Any) -> None:
    # Each case builds its own people; argon2 by design makes that slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _file_for(cast: Cast, assessment: Assessment) -> Evidence:
    item = Evidence.objects.create(
        unit=assessment.unit, kind=EvidenceKind.FILE, original_name="ke-hoach.pdf",
        content_type="application/pdf", size=len(PDF),
    )  # fmt: skip
    item.file.save("x.pdf", ContentFile(PDF))
    item.entries.add(cast.entry("1.2", assessment))
    return item


def _expected(route: Route, role: str | None, own: bool) -> int:
    if role is None:
        return 302  # to the login page
    sees_other = role not in ("reporter", "head")
    if route.scoped and not own and not sees_other:
        return 404
    return route.allowed(role)


def _status(
    cast: Cast, route: Route, role: str | None, target: Assessment, evidence: Evidence
) -> int:
    client = cast.client(role)
    url = reverse(route.name, args=route.args(cast, target, evidence))
    if route.method == "get":
        return int(client.get(url).status_code)
    return int(client.post(url, route.data(cast, target, evidence)).status_code)


@pytest.mark.parametrize("own", [True, False], ids=["own-unit", "another-unit"])
@pytest.mark.parametrize("role", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_every_url_answers_each_role_as_expected(cast: Cast, role: str | None, own: bool) -> None:
    files = {a.pk: _file_for(cast, a) for a in (cast.mine, cast.theirs)}
    target = cast.mine if own else cast.theirs
    wrong = []
    for route in ROUTES:
        got = _status(cast, route, role, target, files[target.pk])
        expected = _expected(route, role, own)
        if expected != got:
            wrong.append(f"{route.method.upper()} {route.name}: expected {expected}, got {got}")
    assert wrong == []


def test_an_outsider_cannot_reach_another_units_evidence_even_by_guessing(cast: Cast) -> None:
    item = _file_for(cast, cast.mine)
    response = cast.client("outsider").get(reverse("collection:evidence", args=[item.pk]))
    assert response.status_code == 404
    missing = cast.client("outsider").get(reverse("collection:evidence", args=[item.pk + 999]))
    assert missing.status_code == 404

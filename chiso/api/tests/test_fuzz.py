"""API fuzzing with schemathesis against /api/openapi.json, as an authenticated reporter and as
an admin: no answer is a 5xx and every answer conforms to the schema (status code, content
type, body, headers).

Each operation gets generated requests (valid and invalid bodies, odd path values); path ids
are steered half of the time to objects that exist (the cast's assessments, entries,
evidence), so the fuzzer reaches real handlers, not only 404s. Bounded for CI; `make soak`
runs many more examples. Then stateful runs chain operations through the links schemathesis
infers from the schema (a response's ids feeding the next request's path: an assessment listed,
then read, written and moved along its workflow; evidence added, then linked and downloaded).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chiso.api.tokens import create_token
from chiso.collection.evidence import upload_evidence
from chiso.exports.tests.cast import Cast
from chiso.lib.testing import ledger

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def real_ids(cast: Cast) -> dict[str, list[Any]]:
    """Path values that name existing objects (ours and the neighbour's)."""
    item = upload_evidence(cast.commune, io.BytesIO(PDF), "kh.pdf", "test")
    return {
        "pk": [cast.assessment.pk, cast.other_assessment.pk],
        "evidence_id": [item.pk],
        "code": ["1.1", "1.2", "2.1"],
        "name": ["submit", "sign", "approve", "reopen"],
    }


def fuzz(persona: str, cast: Cast, examples: int) -> int:
    """Fuzz every operation as `persona`; returns the number of requests sent."""
    token = create_token(cast.people[persona], "fuzz").secret
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    ids = real_ids(cast)
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(), steer=st.data())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any, steer: st.DataObject) -> None:
            nonlocal sent
            for name in list(case.path_parameters or {}):
                if name in ids and steer.draw(st.booleans()):
                    case.path_parameters[name] = steer.draw(st.sampled_from(ids[name]))
            case.call_and_validate(headers=headers, checks=CHECKS)
            sent += 1

        run()
    return sent


@pytest.fixture
def in_process() -> Iterator[None]:
    """Schemathesis calls the WSGI application directly, which fires the request signals;
    keep them from closing the test's database connection (and with it the test's
    transaction), as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def cast(db: None, in_process: None, tmp_path: Path, settings: Any) -> Cast:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = Cast(tmp_path)
    cast.fill()
    return cast


@pytest.mark.parametrize("persona", ["reporter-own", "admin-own"])
def test_fuzzed_requests_never_get_a_server_error_or_an_off_schema_answer(
    cast: Cast, persona: str
) -> None:
    sent = fuzz(persona, cast, examples=15)
    ledger.attack(f"API fuzzing (schemathesis) as {persona.split('-')[0]}", sent)


@pytest.mark.soak
@pytest.mark.parametrize("persona", ["reporter-own", "admin-own"])
def test_a_long_fuzzing_run_finds_nothing(cast: Cast, persona: str) -> None:
    sent = fuzz(persona, cast, examples=300)
    ledger.attack(f"API fuzzing (schemathesis) as {persona.split('-')[0]}", sent)


# --- stateful: operations chained through the links schemathesis infers ----------------------


def run_workflows(persona: str, cast: Cast, examples: int) -> tuple[int, int]:
    """(links the state machine follows, calls made)."""
    token = create_token(cast.people[persona], "fuzz").secret
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    machine = schema.as_state_machine()
    calls = 0

    class Workflow(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            nonlocal calls
            calls += 1
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            stateful_step_count=6,
        )
    )
    # One rule per inferred link, named "<source operation>___<status>_<link>__<target>".
    links = [name for name in dir(machine) if "___" in name]
    return len(links), calls


@pytest.mark.parametrize("persona", ["reporter-own", "admin-own"])
def test_chained_requests_never_get_a_server_error_or_an_off_schema_answer(
    cast: Cast, persona: str
) -> None:
    links, calls = run_workflows(persona, cast, examples=10)
    assert links >= 10, "schemathesis found too few links between operations to chain them"
    assert calls > 0
    ledger.attack(f"API stateful fuzzing (schemathesis) as {persona.split('-')[0]}", calls)


@pytest.mark.soak
@pytest.mark.parametrize("persona", ["reporter-own", "admin-own"])
def test_a_long_stateful_run_finds_nothing(cast: Cast, persona: str) -> None:
    _links, calls = run_workflows(persona, cast, examples=200)
    ledger.attack(f"API stateful fuzzing (schemathesis) as {persona.split('-')[0]}", calls)


# --- what the fuzzer found, pinned -----------------------------------------------------------


def test_an_address_under_api_that_no_route_matches_answers_json(cast: Cast, client: Any) -> None:
    token = create_token(cast.reporter, "fuzz").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for response in (
        client.get("/api/frameworks/rt-commune/versions/-1/indicators", **auth),
        client.post("/api/assessments/-5/transitions/submit", {}, **auth),  # no CSRF 403
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert "text/html" in client.get("/khong-co-trang-nay/")["Content-Type"]


def test_an_offset_beyond_any_table_answers_an_empty_page(cast: Cast, client: Any) -> None:
    token = create_token(cast.reporter, "fuzz").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get(f"/api/assessments?offset={10**20}&limit={10**20}", **auth)
    assert response.status_code == 200
    assert response.json()["items"] == []

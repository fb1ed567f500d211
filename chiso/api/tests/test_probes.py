"""IDOR probes, evidence files by direct path and after revocation, CSRF on every unsafe
route, security headers. The routes come from the URL conf and the OpenAPI schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from chiso.accounts.models import Membership
from chiso.api.tests.test_route_matrix import ROUTES
from chiso.api.tests.world import SECRET, World
from chiso.api.tokens import create_token
from chiso.lib.testing import ledger

API_IDS = re.compile(r"\{(pk|evidence_id)\}")


def _bearer(world: World, persona: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(world.people[persona], 'probe').secret}"}


def _theirs(world: World) -> dict[str, list[int]]:
    """Every id of the far province and the neighbour commune, by the parameter they fill."""
    return {
        "pk": [world.other_assessment.pk, world.far_assessment.pk, world.other_document.pk,
               world.other_occurrence.pk, 10_000, 0],
        "evidence_id": [world.other_evidence.pk, 10_000],
    }  # fmt: skip


def test_no_api_operation_gives_a_reporter_anything_of_another_unit(world: World) -> None:
    from chiso.api.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    client, headers, tried = Client(), _bearer(world, "reporter-own"), 0
    for path, item in schema["paths"].items():
        names = API_IDS.findall(path)
        if not names:
            continue
        for method in item:
            for value in _theirs(world)[names[-1]]:
                url = API_IDS.sub(str(value), path).replace("{code}", "1.1")
                url = url.replace("{name}", "submit")
                response = getattr(client, method)(
                    url, {}, content_type="application/json", headers=headers
                )
                assert response.status_code in (404, 405, 422), (method, url, response.content)
                assert SECRET not in response.content
                tried += 1
    assert tried > 30
    ledger.attack("IDOR probe (API, schema-generated)", tried)


WEB_IDS = ["collection:detail", "collection:history", "collection:evidence", "exports:template",
           "plans:document", "plans:occurrence", "plans:attachment", "plans:evidence",
           "plans:target"]  # fmt: skip


def test_enumerating_ids_on_the_web_finds_nothing_of_another_unit(world: World) -> None:
    """The neighbour's reporter walks every id from 1 to 60 on every page named by an id."""
    client = Client()
    client.force_login(world.people["reporter-other"])
    mine = {world.other_assessment.pk, world.other_evidence.pk}
    tried = 0
    for name in WEB_IDS:
        for pk in range(1, 61):
            response = client.get(reverse(name, kwargs={"pk": pk}))
            if response.status_code == 200 and name.startswith(("collection", "exports")):
                assert pk in mine, (name, pk)  # only the neighbour's own objects
                continue
            if response.status_code == 200:
                continue  # plans: nothing of province t is theirs, checked below
            assert response.status_code in (404, 405), (name, pk, response.status_code)
            tried += 1
    for name, obj in [("plans:document", world.document), ("plans:evidence", world.update),
                      ("plans:attachment", world.attachment), ("plans:target", world.target),
                      ("plans:occurrence", world.occurrence)]:  # fmt: skip
        response = client.get(reverse(name, kwargs={"pk": obj.pk}))
        assert response.status_code == 404
        assert SECRET not in _body(response)
    ledger.attack("IDOR probe (web, enumerated ids)", tried)


def _direct_paths(world: World) -> list[str]:
    names = [world.evidence.file.name, world.attachment.file.name, world.update.evidence.name]
    out = []
    for name in names:
        out += [f"/{name}", f"/media/{name}", f"/static/{name}", f"/static/../media/{name}",
                f"/static/..%2fmedia/{name}", f"/{Path(name).name}"]  # fmt: skip
    return out


@pytest.mark.parametrize("persona", ["anonymous", "reporter-own", "admin-own"])
def test_no_stored_file_has_a_public_address(world: World, persona: str) -> None:
    """Files live under MEDIA_ROOT and are served only through permission-checked views:
    there is no MEDIA_URL route, so even their owner cannot fetch them by path."""
    client = Client()
    if persona != "anonymous":
        client.force_login(world.people[persona])
    paths = _direct_paths(world)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, path
        assert SECRET not in _body(response)
    assert not django_settings.MEDIA_URL or django_settings.MEDIA_URL == "/"
    ledger.attack("evidence direct path", len(paths))


def _body(response: Any) -> bytes:
    return bytes(response.getvalue())


def test_a_download_link_stops_working_when_membership_is_removed(world: World) -> None:
    """chiso has no share links: every file address is a permission-checked view. A link
    that worked for a reporter answers 404 once they leave the unit, on the web and the API."""
    reporter = world.people["reporter-own"]
    client, headers = Client(), _bearer(world, "reporter-own")
    client.force_login(reporter)
    links = [
        reverse("collection:evidence", kwargs={"pk": world.evidence.pk}),
        reverse("plans:evidence", kwargs={"pk": world.update.pk}),
        reverse("plans:attachment", kwargs={"pk": world.attachment.pk}),
        f"/api/evidence/{world.evidence.pk}/download",
    ]
    for link in links:
        response = client.get(link, headers=headers)
        assert response.status_code == 200, link
        assert SECRET in _body(response)
    Membership.objects.filter(user=reporter).delete()
    client = Client()
    client.force_login(reporter)
    for link in links:
        response = client.get(link, headers=headers)
        assert response.status_code == 404, link
        assert SECRET not in _body(response)
    ledger.attack("evidence after revocation", len(links))


def _unsafe_urls(world: World) -> list[str]:
    out = []
    for name, route in ROUTES.items():
        if name in {"login", "logout", "set_language", "password_reset"}:
            continue  # checked below, anonymous
        kwargs = route.kwargs(world, "ours") if route.kwargs else None
        out.append(reverse(name, kwargs=kwargs))
    return out


def test_every_post_without_a_csrf_token_is_refused(world: World) -> None:
    """The admin of province t (who may write almost everything) posts to every route of
    the matrix without a CSRF token: each answers 403 (or 405 where POST is not a method)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["admin-own"])
    urls = _unsafe_urls(world)
    for url in urls:
        for method in ("post", "put", "patch", "delete"):
            status = getattr(client, method)(url, {}).status_code
            assert status in (403, 405), (method, url, status)
    anonymous = Client(enforce_csrf_checks=True)
    for name in ("login", "logout", "set_language", "password_reset"):
        assert anonymous.post(reverse(name), {}).status_code == 403, name
    ledger.attack("CSRF missing", len(urls) * 4 + 4)


def test_the_api_refuses_a_session_write_without_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["reporter-own"])
    url = f"/api/assessments/{world.assessment.pk}/entries"
    body = {"revision": world.assessment.revision, "changes": []}
    response = client.patch(url, body, content_type="application/json")
    assert response.status_code == 403
    ledger.attack("CSRF missing", 1)


@pytest.mark.parametrize("path", ["/", "/portal/", "/accounts/login/", "/api/docs"])
def test_every_page_forbids_framing_and_inline_code(client: Client, path: str, db: None) -> None:
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    for kind in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives.get(kind, directives["default-src"])
        assert "'unsafe-eval'" not in directives.get(kind, directives["default-src"])
    assert response["X-Content-Type-Options"] == "nosniff"


def test_secure_cookies_and_hsts_in_production_settings(client: Client, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["csrftoken"]["secure"]

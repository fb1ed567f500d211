"""Every web route × every persona × our object / their object, generated from the URL conf.

The routes come from Django's resolver, not from a list kept by hand: a route that appears
without a row in ROUTES fails `test_every_route_has_a_row_in_the_matrix`, so nobody adds a
page without saying who may reach it. Path parameters are filled with real objects of the
World fixture: "ours" (commune t.xa-a, province t) and "theirs" (commune t.xa-b, province u).

Outcomes are compared as categories: "ok" (2xx, or a redirect that is not to a login page),
"login" (redirect to a login page), 403, 404, 405. Every request runs in a transaction that
is rolled back, so one persona's allowed write does not change what the next one sees.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chiso.api.tests.world import World
from chiso.exports.tests.cast import ROLES
from chiso.lib.testing import ledger

PERSONAS = [f"{r}-{s}" for r in ROLES for s in ("own", "other")] + ["anonymous"]
# Who reads what. Province t holds our commune A and the neighbour commune B.
WIDE_T = {"admin-own", "leader-own", "auditor-own", "verifier-own"}
FAR = {"admin-other", "leader-other", "auditor-other", "verifier-other"}
UNIT_A = {"reporter-own", "head-own"}
UNIT_B = {"reporter-other", "head-other"}
LOGGED_IN = set(PERSONAS) - {"anonymous"}
# Readers of an assessment (ours: commune A; theirs: commune B) and of a plan object
# (ours: province t's document, task of commune A; theirs: province u's, task of commune C).
ASSESSMENT = {"ours": WIDE_T | UNIT_A, "theirs": WIDE_T | UNIT_B}
PLAN = {"ours": WIDE_T | UNIT_A, "theirs": FAR}


@dataclass(frozen=True)
class Who:
    """Expected outcome per persona: `ok` may, `seen` see the object but may not (`refused`),
    everyone else logged in gets 404; anonymous gets `anonymous`."""

    ok: dict[str, set[str]] | set[str]
    seen: dict[str, set[str]] | set[str] = field(default_factory=set)
    refused: str = "403"
    anonymous: str = "login"
    other: str = "404"
    given: dict[str, dict[str, str]] = field(default_factory=dict)  # side → persona → outcome

    def expect(self, persona: str, side: str) -> str:
        if persona in self.given.get(side, {}):
            return self.given[side][persona]
        if persona == "anonymous":
            return self.anonymous
        if persona in _side(self.ok, side):
            return "ok"
        if persona in _side(self.seen, side):
            return self.refused
        return self.other


def _side(group: dict[str, set[str]] | set[str], side: str) -> set[str]:
    return group[side] if isinstance(group, dict) else group


PUBLIC = Who(ok=set(PERSONAS) - {"anonymous"}, anonymous="ok")
LOGIN = Who(ok=LOGGED_IN)
NO_POST = Who(ok=set(), other="405", anonymous="405")
NO_GET = Who(ok=set(), other="405", anonymous="405")
NO_GET_LOGIN = Who(ok=set(), other="405")  # login_required runs before require_POST


def own_only(*roles: str) -> dict[str, set[str]]:
    return {"ours": {f"{r}-own" for r in roles}, "theirs": {f"{r}-other" for r in roles}}


@dataclass(frozen=True)
class Route:
    get: Who
    post: Who
    kwargs: Callable[[World, str], dict[str, Any]] | None = None


def _a(w: World, side: str) -> Any:
    return w.assessment if side == "ours" else w.other_assessment


def _pk(w: World, side: str) -> dict[str, Any]:
    return {"pk": _a(w, side).pk}


def _entry(w: World, side: str) -> dict[str, Any]:
    entry = w.entry if side == "ours" else w.other_entry
    return {"pk": entry.assessment_id, "entry_id": entry.pk}


def _obj(name: str) -> Callable[[World, str], dict[str, Any]]:
    def fill(w: World, side: str) -> dict[str, Any]:
        found = getattr(w, name if side == "ours" else f"other_{name}")
        return {"pk": found.pk}

    return fill


def _objective(w: World, side: str) -> dict[str, Any]:
    return {"pk": (w.target if side == "ours" else w.other_target).objective_id}


T_ADMIN = {"ours": {"admin-own"}, "theirs": {"admin-own"}}  # the province admin of t
PLAN_ADMIN = {"ours": {"admin-own"}, "theirs": {"admin-other"}}
UPDATERS = {"ours": {"admin-own", *UNIT_A}, "theirs": {"admin-other"}}
PROVINCE_WIDE = {"admin-own", "admin-other", "leader-own", "leader-other", "auditor-own",
                 "auditor-other"}  # fmt: skip
ADMINS = {"admin-own", "admin-other"}
# Pages that answer the same to GET and POST (they read, a POST changes nothing).
READ = Who(ASSESSMENT)
PLAN_READ = Who(PLAN)
NOBODY = Who(ok=set(), anonymous="404")  # a 404 for everyone, logged in or not
POST_ONLY = Who(ok=set(), other="405")  # GET refused (after the login check)
POST_ONLY_REFUSED = POST_ONLY  # the same, for a POST to a page that only reads


def only(ok: set[str] | dict[str, set[str]]) -> Who:
    """Who may, among those who see the object: the others who see it get 403."""
    return Who(ok, seen=ASSESSMENT)


def read_then(refused: str) -> Who:
    """A write that refuses an empty form with `refused` to whoever may see the assessment
    (before looking at roles), and 404 to everyone else."""
    return Who(ok=set(), seen=ASSESSMENT, refused=refused)


READERS_OF_SHEET = {
    "ours": {"admin-own", "reporter-own"},
    "theirs": {"admin-own", "reporter-other"},
}


def _empty_form(who: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Those who may post get 400 for an empty form (the others who see it: 403)."""
    return {side: dict.fromkeys(people, "400") for side, people in who.items()}


def both(who: Who) -> tuple[Who, Who]:
    return who, who


ROUTES: dict[str, Route] = {
    # Django's own pages.
    "set_language": Route(PUBLIC, PUBLIC),
    "login": Route(PUBLIC, PUBLIC),
    "logout": Route(NO_GET, PUBLIC),
    "password_change": Route(*both(LOGIN)),
    "password_change_done": Route(LOGIN, POST_ONLY),
    "password_reset": Route(PUBLIC, PUBLIC),
    "password_reset_done": Route(PUBLIC, NO_POST),
    "password_reset_confirm": Route(
        PUBLIC, PUBLIC, kwargs=lambda w, s: {"uidb64": "MQ", "token": "x-y"}
    ),
    "password_reset_complete": Route(PUBLIC, NO_POST),
    # The assessment cycle.
    "collection:home": Route(*both(LOGIN)),
    "collection:open_period": Route(*both(Who(ADMINS, seen=LOGGED_IN))),
    "collection:verify": Route(*both(Who({"verifier-own", "verifier-other"}, seen=LOGGED_IN))),
    "collection:audit": Route(*both(Who(ADMINS | {"auditor-own", "auditor-other"}, LOGGED_IN))),
    "collection:evidence": Route(*both(READ), _obj("evidence")),
    "collection:detail": Route(*both(READ), _pk),
    "collection:save": Route(POST_ONLY, only(own_only("reporter")), _pk),
    "collection:transition": Route(
        POST_ONLY,
        only(own_only("reporter")),
        lambda w, s: {**_pk(w, s), "name": "submit"},
    ),
    "collection:reuse_evidence": Route(
        POST_ONLY,
        only({"ours": {"admin-own", *UNIT_A}, "theirs": {"admin-own", *UNIT_B}}),
        _pk,
    ),
    "collection:history": Route(*both(READ), _pk),
    "collection:review": Route(*both(only(T_ADMIN)), _pk),
    "collection:review_entry": Route(POST_ONLY, only(T_ADMIN), _entry),
    "collection:verify_entry": Route(
        POST_ONLY, only({"ours": {"verifier-own"}, "theirs": {"verifier-own"}}), _entry
    ),
    "collection:save_leaf": Route(POST_ONLY, read_then("400"), _entry),
    "collection:mark_fixed": Route(POST_ONLY, only(own_only("reporter")), _entry),
    # The reporter who may edit the leaf gets 400 for an empty form (the others who see: 403).
    "collection:save_meta": Route(
        POST_ONLY, Who(set(), seen=ASSESSMENT, given=_empty_form(own_only("reporter"))), _entry
    ),
    "collection:entry_history": Route(*both(READ), _entry),
    "collection:add_evidence": Route(POST_ONLY, read_then("400"), _entry),
    "collection:remove_evidence": Route(
        POST_ONLY,
        only({"ours": {"admin-own", *UNIT_A}, "theirs": {"admin-own", *UNIT_B}}),
        lambda w, s: {
            **_entry(w, s),
            "evidence_id": (w.evidence if s == "ours" else w.other_evidence).pk,
        },
    ),
    # Excel round trip: only reporters upload; reporters and admins see the import page.
    "exports:template": Route(READ, Who(ok=set(), other="405"), _pk),
    "exports:upload": Route(
        only(own_only("reporter")),
        Who(set(), seen=ASSESSMENT, given=_empty_form(own_only("reporter"))),
        _pk,
    ),
    "exports:sheet": Route(
        only(READERS_OF_SHEET),
        Who(set(), seen=ASSESSMENT, given=_empty_form(READERS_OF_SHEET)),
        _pk,
    ),
    # Plans.
    "plans:my_tasks": Route(*both(LOGIN)),
    "plans:documents": Route(*both(LOGIN)),
    "plans:document": Route(*both(PLAN_READ), _obj("document")),
    "plans:document_create": Route(*both(Who(ADMINS))),
    "plans:document_edit": Route(*both(Who(PLAN_ADMIN)), _obj("document")),
    "plans:attachment_upload": Route(POST_ONLY, Who(PLAN_ADMIN), _obj("document")),
    "plans:objective_add": Route(*both(Who(PLAN_ADMIN)), _obj("document")),
    "plans:objective_edit": Route(*both(Who(PLAN_ADMIN)), _objective),
    "plans:objective_delete": Route(*both(Who(PLAN_ADMIN)), _objective),
    "plans:attachment": Route(*both(PLAN_READ), _obj("attachment")),
    "plans:targets": Route(*both(LOGIN)),
    "plans:target": Route(*both(PLAN_READ), _obj("target")),
    "plans:target_link": Route(POST_ONLY, Who(PLAN_ADMIN), _obj("target")),
    "plans:target_measure": Route(POST_ONLY, Who(PLAN_ADMIN), _obj("target")),
    "plans:target_edit": Route(*both(Who(PLAN_ADMIN)), _obj("target")),
    "plans:target_delete": Route(*both(Who(PLAN_ADMIN)), _obj("target")),
    "plans:overdue": Route(*both(LOGIN)),
    "plans:calendar": Route(*both(LOGIN)),
    "plans:occurrence": Route(*both(PLAN_READ), _obj("occurrence")),
    "plans:post_progress": Route(POST_ONLY, Who(UPDATERS), _obj("occurrence")),
    "plans:complete": Route(POST_ONLY, Who(UPDATERS), _obj("occurrence")),
    "plans:return": Route(POST_ONLY, Who(PLAN_ADMIN), _obj("occurrence")),
    "plans:evidence": Route(*both(PLAN_READ), _obj("update")),
    "plans:import_start": Route(*both(Who(ADMINS))),
    "plans:import_review": Route(*both(Who(ADMINS))),
    "plans:import_cancel": Route(POST_ONLY, LOGIN),
    # An htmx fragment: empty for whoever may not import, so anonymous gets an empty 200.
    "plans:import_link": Route(*both(PUBLIC)),
    # Reports (province-wide roles) and open data (everyone; published cohorts only).
    "reports:index": Route(*both(Who(PROVINCE_WIDE))),
    "reports:periodic": Route(
        POST_ONLY, Who(PROVINCE_WIDE), lambda w, s: {"period": "2025", "fmt": "docx"}
    ),
    "reports:ranking_xlsx": Route(
        *both(Who(PROVINCE_WIDE)), lambda w, s: {"framework": "rt-commune", "period": "2025"}
    ),
    "reports:scorecard_xlsx": Route(
        *both(READ),
        lambda w, s: {"framework": "rt-commune", "period": "2025", "code": _a(w, s).unit.code},
    ),
    # Report jobs are named by random UUIDs; a guessed one is nobody's.
    "reports:jobs": Route(LOGIN, POST_ONLY_REFUSED),
    "reports:job": Route(Who(set()), POST_ONLY_REFUSED, lambda w, s: {"pk": uuid.uuid4()}),
    "reports:job_progress": Route(Who(set()), POST_ONLY_REFUSED, lambda w, s: {"pk": uuid.uuid4()}),
    "reports:job_download": Route(Who(set()), POST_ONLY_REFUSED, lambda w, s: {"pk": uuid.uuid4()}),
    "reports:opendata_index": Route(PUBLIC, PUBLIC),
    "reports:opendata": Route(
        PUBLIC, PUBLIC, lambda w, s: {"framework": "rt-commune", "period": "2025", "fmt": "csv"}
    ),
    # The API's HTML and schema pages (its operations: test_api_matrix.py).
    "api:tokens": Route(*both(LOGIN)),
    "api:openapi-json": Route(PUBLIC, PUBLIC),
    "api:openapi-view": Route(PUBLIC, PUBLIC),
    # Dashboards and the public portal.
    "dashboards:home": Route(PUBLIC, PUBLIC),
    "dashboards:ranking": Route(*both(Who(PROVINCE_WIDE, anonymous="404"))),
    "dashboards:health": Route(PUBLIC, PUBLIC),
    "dashboards:ready": Route(PUBLIC, NO_POST),
    "dashboards:publish": Route(Who(ADMINS), Who(set(), seen=ADMINS, refused="400")),
    # Scorecards exist once there are final scores; this world has none, so nobody gets one
    # (the scorecard's own access tests: chiso/dashboards/tests/test_dash_pages.py).
    "dashboards:scorecard": Route(*both(Who(set())), lambda w, s: {"code": _a(w, s).unit.code}),
    "dashboards:portal:index": Route(PUBLIC, PUBLIC),
    # Evidence not marked public: nobody, logged in or not, through the portal.
    "dashboards:portal:evidence": Route(*both(NOBODY), _obj("evidence")),
    "dashboards:portal:ranking": Route(
        PUBLIC, PUBLIC, lambda w, s: {"framework": "rt-commune", "period": "2025"}
    ),
    "dashboards:portal:unit": Route(
        PUBLIC,
        PUBLIC,
        lambda w, s: {"framework": "rt-commune", "period": "2025", "code": _a(w, s).unit.code},
    ),
}


def web_routes() -> Iterator[tuple[str, str | None, Any]]:
    """(route, name with namespaces, view) for every pattern of the URL conf."""
    yield from _walk(get_resolver().url_patterns, "", "")


def _walk(patterns: list[Any], prefix: str, ns: str) -> Iterator[tuple[str, str | None, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            name = f"{ns}{p.name}" if p.name else None
            yield prefix + str(p.pattern), name, p.callback


def is_api_operation(view: Any) -> bool:
    """django-ninja's operations; their matrix is generated from the OpenAPI schema."""
    return getattr(view, "__module__", "").startswith("ninja.") and "openapi" not in str(
        getattr(view, "__name__", "")
    )


def _is_admin(route: str) -> bool:
    return route.startswith("admin/")


def matrix_routes() -> list[tuple[str, str | None, Any]]:
    return [
        r
        for r in web_routes()
        if not _is_admin(r[0]) and not is_api_operation(r[2]) and r[1] != "api:api-root"
    ]


def test_every_route_has_a_row_in_the_matrix() -> None:
    unnamed = [route for route, name, _ in matrix_routes() if name is None]
    missing = sorted({name for _, name, _ in matrix_routes() if name and name not in ROUTES})
    assert not unnamed, f"routes without a name cannot be in the matrix: {unnamed}"
    assert not missing, f"routes nobody said who may reach: {missing}"
    stale = sorted(set(ROUTES) - {name for _, name, _ in matrix_routes()})
    assert not stale, f"matrix rows for routes that no longer exist: {stale}"


def outcome(response: Any) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        where = response["Location"]
        return "login" if "/login/" in where else "ok"
    if 200 <= code < 300:
        return "ok"
    return str(code)


def clients(world: World) -> dict[str, Client]:
    out = {"anonymous": Client()}
    for persona in PERSONAS[:-1]:
        out[persona] = Client()
        out[persona].force_login(world.people[persona])
    return out


def probe(client: Client, method: str, url: str) -> str:
    # Rolled back, cookies restored: a logout or a language switch does not carry over.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return outcome(response)


def test_every_route_answers_every_persona_as_the_matrix_says(world: World) -> None:
    world.publish()
    people = clients(world)
    wrong: list[str] = []
    checked = 0
    for name, route in sorted(ROUTES.items()):
        for side in ("ours", "theirs") if route.kwargs else ("ours",):
            url = reverse(name, kwargs=route.kwargs(world, side) if route.kwargs else None)
            # A page that answers POST as it answers GET is probed once.
            methods = [("get", route.get)] + (
                [("post", route.post)] if route.post is not route.get else []
            )
            for method, who in methods:
                for persona in PERSONAS:
                    got = probe(people[persona], method, url)
                    want = who.expect(persona, side)
                    checked += 1
                    if got != want:
                        wrong.append(f"{method.upper()} {url} [{side}] {persona}: {got} ≠ {want}")
    assert not wrong, f"{len(wrong)} of {checked}:\n" + "\n".join(wrong)
    ledger.attack("route × persona (web)", checked)

"""Every URL of Django's admin × every persona, generated from the URL conf.

The admin is for the platform's operators (staff), never for the people of the units: every
role of the Cast province, whatever unit it holds, is an ordinary (non-staff) account. The
routes come from the resolver (everything under admin/): list, add, change, delete and history
of every registered model with a real object id, the app indexes, the "view on site" shortcut,
the catch-alls. Anonymous and non-staff people must be sent to the admin login by GET and by
POST, and nothing they POST may change a row; staff without model permissions get 403 on
the model pages; a superuser gets every page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from axes.models import AccessFailureLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from chiso.api.tests.test_route_matrix import web_routes
from chiso.api.tests.world import World
from chiso.api.tokens import create_token
from chiso.collection.models import Evidence
from chiso.exports.tests.cast import PASSWORD, ROLES
from chiso.lib.testing import ledger
from chiso.org.models import Lineage, PeerGroup
from chiso.plans.models import Measurement

MODEL_ROUTE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/(?P<rest>.*)$")
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
MODEL_PAGES = ("changelist", "add", "change", "delete", "history")


@dataclass(frozen=True)
class AdminUrl:
    url: str
    model: type[models.Model] | None  # None: a site-wide page (index, app list, …)
    page: str  # "changelist", "add", "change", "delete", "history", "password", or the name
    obj: models.Model | None


def _populate(world: World) -> None:
    """One row of each registered model the World does not already hold."""
    Group.objects.create(name="Nhóm vận hành")
    create_token(world.people["reporter-own"], "quan tri")
    PeerGroup.objects.create(code="t.nhom-a", name="Nhóm A", scope=world.province)
    Lineage.objects.create(
        predecessor=world.neighbour,
        successor=world.commune,
        kind="merged",
        date=dt.date(2025, 7, 1),
    )
    Measurement.objects.create(target=world.target, value=50, measured_on=dt.date(2025, 6, 30))
    # django-axes records a successful login (log) and a failed one (attempt, failure log),
    # in this order: a success clears the attempts before it.
    Client().post("/accounts/login/", {"username": "reporter-own", "password": PASSWORD})
    Client().post("/accounts/login/", {"username": "reporter-own", "password": "sai"})


def admin_urls() -> Iterator[AdminUrl]:
    registered = {m._meta.label_lower for m in admin.site._registry}
    for route, name, _view in web_routes():
        if not route.startswith("admin/"):
            continue
        found = MODEL_ROUTE.match(route)
        model = None
        if found and f"{found['app']}.{found['model']}" in registered:
            model = apps.get_model(found["app"], found["model"])
        yield _admin_url(route, name, model)


def _admin_url(route: str, name: str | None, model: type[models.Model] | None) -> AdminUrl:
    obj = model._default_manager.order_by("pk").first() if model else None
    fill = {
        "object_id": obj.pk if obj else 0,
        "id": obj.pk if obj else 0,
        "app_label": model._meta.app_label if model else "collection",
        "content_type_id": ContentType.objects.get_for_model(Evidence).pk,
        "url": "khong-co/",
    }
    page = (name or "catch-all").rsplit(":", 1)[-1]
    if name and model:
        page = name.rsplit("_", 1)[-1]
    if name:
        pattern_kwargs = set(CONVERTER.findall(route)) | set(re.findall(r"\?P<(\w+)>", route))
        url = reverse(name, kwargs={k: fill[k] for k in pattern_kwargs} or None)
    elif "(?P<url>" in route:
        url = "/admin/khong-co/"
    else:  # a model's "<object_id>/" that redirects to its change page
        url = "/" + CONVERTER.sub(lambda m: str(fill[m.group(1)]), route)
        page = "redirect"
    if model and page == "change" and "password" in url:
        page = "password"
    return AdminUrl(url, model, page, obj)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _refused(response: Any) -> bool:
    """Sent to the admin login (or, for admin logout, to the admin index that sends there)."""
    where = response.get("Location", "") if response.status_code == 302 else ""
    return where.startswith("/admin/login/") or where == "/admin/"


def _rows() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in admin.site._registry}


def _people(world: World) -> dict[str, Client]:
    """Anonymous and one account of every role. A role's scope (own unit or another) does not
    enter the admin's check, which asks only `is_staff`: the "own" holder of each role stands
    for both (the web and API matrices probe both sides)."""
    people = {f"{role}-own": _client(world.people[f"{role}-own"]) for role in ROLES}
    return {**people, "anonymous": _client(None)}


def test_every_admin_url_refuses_anonymous_and_every_non_staff_role(world: World) -> None:
    _populate(world)
    urls = [u for u in admin_urls() if u.page != "login"]  # the admin's login: for everyone
    assert {u.model for u in urls if u.page in MODEL_PAGES} >= set(admin.site._registry)
    people = _people(world)
    before = _rows()
    wrong: list[str] = []
    checked = 0
    for item in urls:
        for persona, client in people.items():
            # Every page by GET; the POSTs (what would write) by anonymous and the most
            # powerful unit role, the province admin.
            methods = ("get", "post") if persona in ("anonymous", "admin-own") else ("get",)
            for method in methods:
                response = getattr(client, method)(item.url)
                checked += 1
                if not _refused(response):
                    wrong.append(f"{method.upper()} {item.url} {persona}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert _rows() == before  # no POST of theirs changed, added or deleted anything
    ledger.attack("admin route × persona", checked)


def _model_pages() -> list[AdminUrl]:
    """The pages of every model; those that name an object only where a row exists."""
    pages = [u for u in admin_urls() if u.model and u.page in (*MODEL_PAGES, "password")]
    return [u for u in pages if u.obj is not None or u.page in ("changelist", "add")]


def _allowed(item: AdminUrl, user: User) -> bool:
    """What the model's admin class itself grants a superuser (read-only admins refuse add,
    change or delete)."""
    assert item.model is not None
    model_admin = admin.site._registry[item.model]
    request = RequestFactory().get(item.url)
    request.user = user
    grants = {
        "changelist": model_admin.has_view_or_change_permission(request),
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_view_or_change_permission(request, item.obj),
        "history": model_admin.has_view_or_change_permission(request, item.obj),
        "delete": model_admin.has_delete_permission(request, item.obj),
        "password": model_admin.has_change_permission(request, item.obj),
    }
    return bool(grants[item.page])


def test_staff_need_model_permissions_and_a_superuser_opens_every_model_page(
    world: World,
) -> None:
    _populate(world)
    pages = _model_pages()
    assert {u.model for u in pages if u.page == "change"} >= set(admin.site._registry) - {
        DBTaskResult,  # written only by the task worker
        AccessFailureLog,  # off (AXES_ENABLE_ACCESS_FAILURE_LOG)
    }
    staff = _client(User.objects.create_user("nhan-vien", is_staff=True))
    got = {u.url: staff.get(u.url).status_code for u in pages}
    assert {url: status for url, status in got.items() if status != 403} == {}
    ledger.attack("admin route × persona", len(pages))
    root = User.objects.create_superuser("quan-tri-he-thong", "root@example.vn", None)
    client = _client(root)
    wrong = []
    for item in pages:
        want = 200 if _allowed(item, root) else 403
        status = client.get(item.url).status_code
        if status != want:
            wrong.append(f"{item.url}: {status} ≠ {want}")
    assert not wrong, "\n".join(wrong)
    assert client.get(reverse("admin:index")).status_code == 200

"""The per-request reads done with plain queries (sessions.py, backends.py, access.roles)
behave exactly as Django's: same user, same expiry, a logout or a deactivation seen at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chiso.accounts import access
from chiso.accounts.backends import ModelBackend
from chiso.accounts.choices import Role
from chiso.accounts.models import Membership
from chiso.accounts.services import add_member, create_user

pytestmark = pytest.mark.django_db
PASSWORD = "mật-khẩu-rất-dài-2025"


@pytest.fixture
def lan(db: None) -> User:
    user = create_user("lan", PASSWORD, "test", email="lan@example.vn", full_name="Trần Thị Lan")
    user.last_login = timezone.now()
    user.save()
    return user


def logged_in(user: User) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/plans/").status_code == 200  # a page that needs a login
    return client


def test_the_backend_reads_the_same_user_as_the_orm(lan: User) -> None:
    read = ModelBackend().get_user(lan.pk)
    orm = User.objects.get(pk=lan.pk)
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
    assert read.last_login.tzinfo is not None and read._state.adding is False
    read.first_name = "Lan"
    read.save()  # a usable model instance, saved in place
    assert User.objects.get(pk=lan.pk).first_name == "Lan"


def test_the_backend_gives_no_user_for_a_missing_inactive_or_malformed_id(lan: User) -> None:
    backend = ModelBackend()
    assert backend.get_user(lan.pk + 1000) is None
    assert backend.get_user("không-phải-số") is None
    User.objects.filter(pk=lan.pk).update(is_active=False)
    assert backend.get_user(lan.pk) is None


def test_a_session_deleted_elsewhere_logs_the_user_out_on_the_next_request(lan: User) -> None:
    client = logged_in(lan)
    Session.objects.all().delete()  # a logout served by another worker
    assert client.get("/plans/").status_code == 302


def test_an_expired_session_is_anonymous(lan: User) -> None:
    client = logged_in(lan)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/plans/").status_code == 302


def test_a_deactivated_user_is_logged_out_on_the_next_request(lan: User) -> None:
    client = logged_in(lan)
    User.objects.filter(pk=lan.pk).update(is_active=False)
    assert client.get("/plans/").status_code == 302


def test_roles_are_read_per_request_so_a_new_role_shows_at_once(lan: User) -> None:
    unit = access.Unit.objects.create(code="t", kind="province", name="Tỉnh T")
    assert access.roles(User.objects.get(pk=lan.pk)) == {}
    add_member(lan, unit, Role.LEADER, "test")
    assert access.roles(User.objects.get(pk=lan.pk)) == {unit.pk: {Role.LEADER}}


def test_the_backend_brings_the_users_roles_in_its_own_query(lan: User) -> None:
    """The memberships come with the user (one query for both), as `roles` would read them:
    several roles on one unit, several units, none at all."""
    province = access.Unit.objects.create(code="t", kind="province", name="Tỉnh T")
    commune = access.Unit.objects.create(code="x", kind="commune", name="Xã X", parent=province)
    backend = ModelBackend()
    with CaptureQueriesContext(connection) as nothing_yet:
        bare = backend.get_user(lan.pk)
        assert access.roles(bare) == {}
    assert len(nothing_yet) == 1
    add_member(lan, province, Role.LEADER, "test")
    add_member(lan, province, Role.AUDITOR, "test")
    add_member(lan, commune, Role.REPORTER, "test")
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(lan.pk)
        held = access.roles(user)
    assert len(queries) == 1
    assert held == {province.pk: {Role.LEADER, Role.AUDITOR}, commune.pk: {Role.REPORTER}}
    assert held == access.roles(User.objects.get(pk=lan.pk))  # read by access itself


def test_a_role_taken_away_between_two_requests_is_gone_on_the_second(lan: User) -> None:
    province = access.Unit.objects.create(code="t", kind="province", name="Tỉnh T")
    add_member(lan, province, Role.LEADER, "test")
    client = logged_in(lan)
    assert client.get("/").status_code == 200
    Membership.objects.filter(user=lan).delete()
    assert client.get("/").status_code == 302  # no province role: sent elsewhere

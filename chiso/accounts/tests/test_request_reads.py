"""The per-request reads done with plain queries (sessions.py, backends.py, access.roles)
behave exactly as Django's: same user, same expiry, a logout or a deactivation seen at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from chiso.accounts import access
from chiso.accounts.backends import ModelBackend
from chiso.accounts.choices import Role
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

"""Cached whole pages (shell.py): each visitor still gets their own name, path and a CSRF
token that works for them; flash messages are never cached away."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client

from chiso.accounts.models import Membership
from chiso.accounts.services import add_member, create_user
from chiso.dashboards.tests.conftest import person

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def second_leader(full_name: str) -> User:
    """Another leader of the same province as lanhdao: the same cached dashboard applies."""
    other = create_user("lanhdao2", "mật-khẩu-rất-dài-2025", "test", full_name=full_name)
    for m in Membership.objects.filter(user=person("lanhdao")):
        add_member(other, m.unit, m.role, "test")
    return other


def client_for(user: object, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_two_leaders_of_one_cached_dashboard_each_see_their_own_name(demo: None) -> None:
    first = client_for(person("lanhdao")).get("/").content.decode()
    other = second_leader("Lê <b>Văn</b> & Hai")
    page = client_for(other).get("/").content.decode()
    assert "Bảng điều hành chuyển đổi số — Tỉnh Nghệ An" in page
    assert "Lê &lt;b&gt;Văn&lt;/b&gt; &amp; Hai" in page and "<b>Văn</b>" not in page
    own = person("lanhdao").get_full_name()  # type: ignore[attr-defined]
    assert own in first and own not in page


def test_the_token_in_a_cached_page_is_accepted_for_the_visitor_who_got_it(demo: None) -> None:
    client_for(person("lanhdao")).get("/")  # fills the cache
    visitor = client_for(second_leader("Lê Văn Hai"), csrf_checks=True)
    page = visitor.get("/?group=x").content.decode()
    tokens = set(TOKEN.findall(page))
    assert len(tokens) == 1  # the logout and language forms carry the same fresh token
    assert f'"X-CSRFToken": "{tokens.pop()}"' in page
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    switched = visitor.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    refused = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 403  # someone else's token, without its cookie


def test_the_language_form_returns_to_the_page_asked_for_escaped(demo: None) -> None:
    client = client_for(person("lanhdao"))
    client.get("/?group=a")
    page = client.get("/?group=a&view=b").content.decode()
    assert 'name="next" type="hidden" value="/?group=a&amp;view=b"' in page


def test_a_flash_message_is_shown_once_even_on_a_cached_page(demo: None) -> None:
    client = client_for(person("lanhdao"))
    client.get("/")  # cached now
    storage = CookieStorage(HttpRequest())
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Đã công bố.")])
    assert "Đã công bố." in client.get("/").content.decode()
    assert "Đã công bố." not in client.get("/").content.decode()


def test_the_public_portal_page_is_cached_but_answers_each_visitor_with_a_token(
    demo: None,
) -> None:
    one, two = Client(), Client()
    first, second = one.get("/portal/"), two.get("/portal/")
    assert first.status_code == second.status_code == 200
    assert "csrftoken" in first.cookies and "csrftoken" in second.cookies
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert TOKEN.search(second.content.decode()) is not None

"""Logging in and out, lockout after repeated failures, password reset by e-mail, a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from chiso.accounts.models import AuditEvent
from chiso.accounts.services import create_user
from chiso.conftest import login, shot

PASSWORD = "mật-khẩu-rất-dài-2025"


@pytest.fixture
def reporter(db: None) -> User:
    return create_user("lan", PASSWORD, "test", email="lan@example.vn", full_name="Trần Thị Lan")


def _post_login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_user_logs_in_with_a_password_hashed_by_argon2(reporter: User) -> None:
    assert reporter.password.startswith("argon2")
    client = Client()
    response = _post_login(client, "lan", PASSWORD)
    assert response.status_code == 302
    assert client.get("/", follow=True).context["user"].username == "lan"


def test_a_wrong_password_is_refused_with_a_vietnamese_message(reporter: User) -> None:
    response = _post_login(Client(), "lan", "sai")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_repeated_failures_lock_the_login_even_with_the_right_password(reporter: User) -> None:
    client = Client()
    for _ in range(5):
        _post_login(client, "lan", "sai")
    locked = _post_login(client, "lan", PASSWORD)
    assert locked.status_code == 429
    assert "Tạm khoá đăng nhập" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link_by_email(reporter: User) -> None:
    client = Client()
    client.post("/accounts/password_reset/", {"email": "lan@example.vn"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lan@example.vn"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body)
    assert link is not None
    form = client.get(link[1], follow=True)
    new = "một-mật-khẩu-mới-2026"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert _post_login(Client(), "lan", new).status_code == 302


def test_creating_a_user_is_audited(reporter: User) -> None:
    assert AuditEvent.objects.filter(action="user.create", object_id=str(reporter.pk)).exists()


def test_the_session_expires_when_the_browser_closes(settings: Any) -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_logs_in_and_out_in_a_real_browser(page: Any, live_server: Any) -> None:
    create_user("lan", PASSWORD, "test", full_name="Trần Thị Lan")
    login(page, live_server, "lan", PASSWORD)
    assert page.get_by_text("Trần Thị Lan").is_visible()
    shot(page, "login-home")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Đăng nhập").is_visible()
    assert not page.get_by_text("Trần Thị Lan").is_visible()

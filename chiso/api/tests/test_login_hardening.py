"""Login and account pages do not tell who exists; a password change ends other sessions;
no template carries inline code or style (the CSP would refuse it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from chiso.lib.testing import ledger

PASSWORD = "mat-khau-dai-2025"
TEMPLATES = Path(__file__).resolve().parents[2]
INLINE = re.compile(
    r"\son[a-z]+=|\sstyle=|<style|hx-on|javascript:"  # handlers, style attributes and blocks
    r"|<script(?![^>]*\bsrc=)(?![^>]*application/json)"  # inline code (JSON data is inert)
)


@pytest.fixture
def someone(db: None, settings: Any) -> User:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_user("chuyenvien", "cv@example.vn", PASSWORD)


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(someone: User) -> None:
    wrong = Client().post("/accounts/login/", {"username": "chuyenvien", "password": "sai"})
    unknown = Client().post("/accounts/login/", {"username": "khong-co-ai", "password": "sai"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    ledger.attack("user enumeration (login)", 2)


def test_a_password_reset_answers_the_same_for_known_and_unknown_addresses(
    someone: User, mailoutbox: list[Any]
) -> None:
    known = Client().post("/accounts/password_reset/", {"email": "cv@example.vn"})
    unknown = Client().post("/accounts/password_reset/", {"email": "ai@example.vn"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mailoutbox) == 1  # only the real person gets a mail
    ledger.attack("user enumeration (password reset)", 2)


def test_repeated_failures_lock_the_login_even_with_the_right_password(
    someone: User, settings: Any
) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "chuyenvien", "password": "sai"})
    right = client.post("/accounts/login/", {"username": "chuyenvien", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    ledger.attack("login brute force", settings.AXES_FAILURE_LIMIT + 1)


def test_changing_the_password_logs_out_the_other_sessions_only(someone: User) -> None:
    here, elsewhere = Client(), Client()
    here.force_login(someone)
    elsewhere.force_login(someone)
    response = here.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "mot-mat-khau-moi-2026",
         "new_password2": "mot-mat-khau-moi-2026"},
    )  # fmt: skip
    assert response.status_code == 302
    assert here.get("/accounts/password_change/").status_code == 200
    assert elsewhere.get("/accounts/password_change/").status_code == 302  # to the login page
    ledger.attack("stale session after password change", 1)


def test_no_template_carries_inline_code_or_style() -> None:
    found = []
    for path in TEMPLATES.glob("**/templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}")
    assert not found, "\n".join(found)

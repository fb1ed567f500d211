"""Per-request values of the page chrome (base.html), named so that a cached page shell can
carry placeholders for them (see chiso/dashboards/shell.py)."""

from __future__ import annotations

from django.http import HttpRequest


def display_name(user: object) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or getattr(user, "get_username", lambda: "")())


def page(request: HttpRequest) -> dict[str, str]:
    return {"page_path": request.get_full_path(), "page_user_name": display_name(request.user)}

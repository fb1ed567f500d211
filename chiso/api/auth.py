"""Who is calling: a personal token (`Authorization: Bearer chiso_…`) or the browser session.

The session needs the CSRF token on writes, exactly as the web forms do; a bearer token does
not (a script holds it, no browser can be tricked into sending it).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from chiso.api import tokens


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = tokens.user_for(token.strip())
        if user is not None:
            # Code that reads request.user (access caches, audit) sees the token's owner.
            request.user = user  # type: ignore[assignment]
        return user


AUTH = [TokenAuth(), SessionAuth(csrf=True)]


def caller(request: HttpRequest) -> Any:
    """The user ninja authenticated for this request (set by TokenAuth or SessionAuth)."""
    return request.auth  # type: ignore[attr-defined]

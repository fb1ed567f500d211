"""The client's address behind a reverse proxy (CHISO_BEHIND_PROXY=1).

Behind nginx every request comes from 127.0.0.1, so django-axes would lock a user name for
everyone at once. nginx appends the address it saw to X-Forwarded-For
(`$proxy_add_x_forwarded_for`); only that right-most entry is trustworthy, the ones before it
are whatever the client sent.
"""

from __future__ import annotations

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    nearest = forwarded.rsplit(",", 1)[-1].strip()
    return nearest or request.META.get("REMOTE_ADDR")

"""Whole pages cached under the freshness stamp, with the per-request parts put in on the way out.

A cached body still left the page chrome (base.html: menu, user name, language form, CSRF
token) to be rendered on every request: about 0.6 ms of a 1.6 ms warm dashboard. Here the
whole page is rendered once per stamp, language and *chrome key* (what the menu depends on:
logged in or not, may publish or not) with random placeholders where the per-request values
go, and each request substitutes its own:

- the CSRF token (`get_token`, so the cookie is set exactly as `{% csrf_token %}` would),
- the user's display name and the current path, HTML-escaped.

The placeholders are random per rendering and stored with the page, so text a user typed can
never be one of them (it would otherwise receive another visitor's CSRF token). A request
that carries flash messages is rendered normally: messages are per request and consumed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from chiso.dashboards import publishing
from chiso.dashboards.freshness import TIMEOUT, stamp
from chiso.lib.context_processors import display_name

# placeholder name → the context variable base.html prints it through
SLOTS = ("csrf_token", "page_user_name", "page_path")
# The page cut at its placeholders, as UTF-8 bytes (nothing to decode from the cache or to
# encode into the response): pieces[0], value of slots[0], pieces[1], … , pieces[-1].
Shell = tuple[list[bytes], list[str]]


def page(
    request: HttpRequest, template: str, key: str, context: Callable[[], dict[str, Any] | None]
) -> HttpResponse | None:
    """`render(request, template, context())`, from the cache when `key` (everything the page
    depends on besides the stamp, the language and the chrome) was rendered before. None when
    `context()` is None (nothing to show this user: the caller answers otherwise)."""
    if _has_messages(request):
        fresh = context()
        return None if fresh is None else render(request, template, fresh)
    full = f"chiso:shell:{stamp(request)}:{translation.get_language()}:{_chrome(request)}:{key}"
    found: Shell | None = cache.get(full)
    if found is None:
        fresh = context()
        if fresh is None:
            return None
        found = _shell(template, fresh, request)
        cache.set(full, found, TIMEOUT)
    values = _values(request)
    pieces, slots = found
    out = [pieces[0]]
    for slot, piece in zip(slots, pieces[1:], strict=True):
        out += (values[slot], piece)
    return HttpResponse(b"".join(out))


def _shell(template: str, context: dict[str, Any], request: HttpRequest) -> Shell:
    holes = {secrets.token_hex(12): slot for slot in SLOTS}
    html = render_to_string(
        template, {**context, **{slot: hole for hole, slot in holes.items()}}, request
    )
    parts = re.split("(" + "|".join(holes) + ")", html)
    return [p.encode() for p in parts[0::2]], [holes[h] for h in parts[1::2]]


def _chrome(request: HttpRequest) -> str:
    user = request.user
    return f"{int(user.is_authenticated)}{int(publishing.may_publish(user))}"


def _values(request: HttpRequest) -> dict[str, bytes]:
    return {
        "csrf_token": get_token(request).encode(),
        "page_user_name": escape(display_name(request.user)).encode(),
        "page_path": escape(request.get_full_path()).encode(),
    }


def _has_messages(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0  # counts without marking them as seen

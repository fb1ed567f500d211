"""One log line per request: method, path, status, duration and user id (logger chiso.request).

Outermost middleware, so the duration covers the whole stack and redirects and refusals are
logged too. Never logged: the query string (search terms, names), cookies, session ids, form
bodies; a URL that carries a secret in its path (the password-reset link's token) is logged as
its route pattern instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

logger = logging.getLogger("chiso.request")
SECRET_URL_KWARGS = {"token", "uidb64", "key"}


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not logger.isEnabledFor(logging.INFO):  # off: costs one check per request
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "%s %s %s",
            request.method,
            _path(request),
            response.status_code,
            extra={
                "method": request.method,
                "path": _path(request),
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _user_id(request),
            },
        )
        return response


def _path(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is not None and SECRET_URL_KWARGS & set(match.kwargs):
        return "/" + match.route
    return request.path


def _user_id(request: HttpRequest) -> int | None:
    # Only a user the request already loaded: loading it here would cost a session query on
    # requests that never needed one (the health probes, static files).
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None

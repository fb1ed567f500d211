"""Every error the API answers is JSON: a stable `code`, a translated `message`, `details`.

    {"code": "conflict", "message": "…", "details": ["…"], "current": {…}, "revision": 7}

"Not yours" answers exactly like "does not exist" (404 `not_found`), as on the web.
The language follows Accept-Language (Vietnamese unless the client asks for English): unlike
the pages, an API client says what it wants on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from chiso.collection.services import CollectionError, ConflictError
from chiso.collection.workflow import NotAllowed, WorkflowError
from chiso.scoring.queries import ScoreLookupError


class ErrorOut(Schema):
    code: str
    message: str
    details: list[str] = []


class ConflictOut(ErrorOut):
    current: dict[str, Any] = {}
    revision: int


def error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    details = [str(d) for d in extra.pop("details", [])]
    body = {"code": code, "message": message, "details": details, **extra}
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers; the most specific exception class wins in ninja's lookup."""
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        Http404: lambda r, e: error(api, r, 404, "not_found", _("Không tìm thấy.")),
        ObjectDoesNotExist: lambda r, e: error(api, r, 404, "not_found", _("Không tìm thấy.")),
        ScoreLookupError: lambda r, e: error(
            api, r, 404, "not_found", _("Không tìm thấy."), details=[str(e)]
        ),
        AuthenticationError: lambda r, e: error(
            api, r, 401, "unauthorized", _("Cần đăng nhập hoặc mã truy cập (Bearer) hợp lệ.")
        ),
        PermissionDenied: lambda r, e: error(
            api, r, 403, "forbidden", _("Bạn không có quyền thực hiện thao tác này.")
        ),
        DjangoValidationError: lambda r, e: error(
            api, r, 422, "invalid", _("Dữ liệu không hợp lệ."), details=e.messages
        ),
        NotAllowed: lambda r, e: error(
            api,
            r,
            403,
            "forbidden",
            _("Bạn không có quyền thực hiện thao tác này."),
            details=e.messages,
        ),
        ConflictError: lambda r, e: error(
            api,
            r,
            409,
            "conflict",
            _("Dữ liệu đã được người khác cập nhật; không có gì bị ghi đè."),
            details=e.messages,
            current=e.current,
            revision=e.revision,
        ),
        WorkflowError: lambda r, e: error(
            api,
            r,
            400,
            "workflow",
            _("Thao tác không thực hiện được ở trạng thái này."),
            details=e.messages,
        ),
        CollectionError: lambda r, e: error(
            api, r, 422, "invalid", _("Dữ liệu không hợp lệ."), details=e.messages
        ),
        ValidationError: lambda r, e: error(
            api, r, 422, "invalid", _("Dữ liệu không hợp lệ."), details=_pydantic(e.errors)
        ),
        HttpError: lambda r, e: error(
            api, r, e.status_code, _CODES.get(e.status_code, "error"), str(e)
        ),
    }
    for exc, handler in handlers.items():
        api.add_exception_handler(exc, handler)


_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}


def _pydantic(errors: list[dict[str, Any]]) -> list[str]:
    return [
        ".".join(str(p) for p in e.get("loc", ())) + ": " + str(e.get("msg", "")) for e in errors
    ]


def in_request_language(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an operation so messages (ours and the services') use the client's language."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override(_language(request)):
            response = run(request, *args, **kwargs)
            response.headers["Content-Language"] = translation.get_language() or "vi"
            return response

    return wrapped


def _language(request: HttpRequest) -> str:
    header = request.headers.get("Accept-Language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("vi", "en"):
            return code
    return "vi"

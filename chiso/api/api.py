"""The REST API (django-ninja): same services and access rules as the web.

Docs at /api/docs, schema at /api/openapi.json; the personal-token page at /api/tokens/.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI
from ninja.parser import Parser

from chiso.api import errors, views
from chiso.api.auth import AUTH
from chiso.api.routers import assessments, evidence, plans, rankings, reference
from chiso.lib.unicode_safety import clean_tree

DESCRIPTION = """
API của chiso: bản tự đánh giá, số liệu, minh chứng, quy trình, điểm và xếp hạng.

**Xác thực**: `Authorization: Bearer <mã truy cập>` (tạo mã tại [/api/tokens/](/api/tokens/)),
hoặc phiên đăng nhập của trình duyệt (kèm `X-CSRFToken` khi ghi).

**Lỗi** luôn là JSON: `code` cố định (`not_found`, `unauthorized`, `forbidden`, `conflict`,
`workflow`, `invalid`), `message` (tiếng Việt; tiếng Anh với `Accept-Language: en`) và
`details` (từng lỗi cụ thể). Dữ liệu của đơn vị khác trả về 404 giống như không tồn tại.
"""


class ChisoAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        # The token page is a plain Django view (HTML, a form), served beside the API so
        # that everything about API access lives under /api/.
        urls = super()._get_urls()
        return [path("tokens/", views.tokens_page, name="tokens"), *urls]


class CleanParser(Parser):
    """JSON bodies and form fields in NFC, without zero-width or bidi characters, as the web's
    CleanInputMiddleware does for forms (docs/security-files.md)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return clean_tree(super().parse_body(request))

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        return clean_tree(super().parse_querydict(data, list_fields, request))


api = ChisoAPI(
    title="chiso API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    parser=CleanParser(),
)
api.add_decorator(errors.in_request_language, mode="view")
errors.install(api)
for module in (reference, assessments, evidence, rankings, plans):
    api.add_router("", module.router)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: an address under /api/ that no route matches (a negative id where the
    route takes digits, a typo) answers the API's JSON 404, not Django's HTML page (found by
    the API fuzzer); every other address gets Django's page."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    return errors.in_request_language(_json_not_found)(request)


def _json_not_found(request: HttpRequest) -> HttpResponse:
    body = {"code": "not_found", "message": _("Không tìm thấy."), "details": []}
    return api.create_response(request, body, status=404)

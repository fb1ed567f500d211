"""The REST API (django-ninja): same services and access rules as the web.

Docs at /api/docs, schema at /api/openapi.json; the personal-token page at /api/tokens/.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI

from chiso.api import errors, views
from chiso.api.auth import AUTH
from chiso.api.routers import assessments, evidence, plans, rankings, reference

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


api = ChisoAPI(
    title="chiso API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
)
api.add_decorator(errors.in_request_language, mode="view")
errors.install(api)
for module in (reference, assessments, evidence, rankings, plans):
    api.add_router("", module.router)

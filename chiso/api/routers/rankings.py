"""Rankings of a cohort (framework × period) at one stage."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import AuthenticationError

from chiso.accounts import access
from chiso.api.auth import AUTH, caller
from chiso.api.errors import ErrorOut
from chiso.api.schemas import RankingRowOut
from chiso.collection.choices import Stage
from chiso.dashboards.models import Publication
from chiso.scoring import queries

router = Router(tags=["Điểm và xếp hạng"])


class RankingFilter(Schema):
    framework: str
    period: str
    stage: Stage = Stage.FINAL
    group: str | None = None


def anyone(request: HttpRequest) -> bool:
    """Published final rankings are public (as on the portal); the view decides the rest.

    A caller who sends a token that is wrong still gets 401: a script with a revoked token
    must notice, not silently receive the public view."""
    return "Authorization" not in request.headers


@router.get(
    "/rankings",
    auth=[*AUTH, anyone],
    response={200: list[RankingRowOut], 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Xếp hạng một nhóm đơn vị (bộ chỉ số × kỳ × giai đoạn)",
)
def rankings(request: HttpRequest, filters: Query[RankingFilter]) -> Any:
    """Kết quả chính thức (`final`) của một kỳ đã công bố: ai cũng xem được, như cổng công
    khai; kỳ chưa công bố không tồn tại với người chưa đăng nhập. Người đã đăng nhập xem được
    mọi giai đoạn, nhưng chỉ các đơn vị mình được xem (trừ kết quả chính thức đã công bố)."""
    period = queries.period_for(filters.period)
    version = queries.versions_scored_in(filters.framework, period)
    published = Publication.objects.filter(version=version, period=period).exists()
    user = caller(request)
    if user is True:  # let in by `anyone`: no credentials
        if filters.stage != Stage.FINAL:
            raise AuthenticationError()
        if not published:
            raise Http404
    rows = queries.ranking(version, period, filters.stage, filters.group)
    if user is not True and not (published and filters.stage == Stage.FINAL):
        codes = set(access.visible_units(user).values_list("code", flat=True))
        rows = [r for r in rows if r.unit_code in codes]
    return [r.to_dict() for r in rows]

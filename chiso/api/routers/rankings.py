"""Rankings of a cohort (framework × period) at one stage."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import AuthenticationError

from chiso.accounts import access
from chiso.api.auth import AUTH, caller
from chiso.api.errors import ErrorOut
from chiso.api.schemas import RankingRowOut
from chiso.collection.choices import Stage
from chiso.scoring import queries

router = Router(tags=["Điểm và xếp hạng"])


class RankingFilter(Schema):
    framework: str
    period: str
    stage: Stage = Stage.FINAL
    group: str | None = None


def anyone(request: HttpRequest) -> bool:
    """Final rankings are public (as on the home page); the stage decides in the view.

    A caller who sends a token that is wrong still gets 401: a script with a revoked token
    must notice, not silently receive the public view."""
    return "Authorization" not in request.headers


@router.get(
    "/rankings",
    auth=[*AUTH, anyone],
    response={200: list[RankingRowOut], 401: ErrorOut, 404: ErrorOut},
    summary="Xếp hạng một nhóm đơn vị (bộ chỉ số × kỳ × giai đoạn)",
)
def rankings(request: HttpRequest, filters: Query[RankingFilter]) -> Any:
    """Giai đoạn `final` (chính thức) ai cũng xem được, như trang chủ. Điểm tự đánh giá và
    thẩm định chưa công bố: cần đăng nhập, và chỉ thấy các đơn vị mình được xem."""
    period = queries.period_for(filters.period)
    version = queries.versions_scored_in(filters.framework, period)
    rows = queries.ranking(version, period, filters.stage, filters.group)
    if filters.stage != Stage.FINAL:
        user = caller(request)
        if user is True:  # let in by `anyone`: no credentials
            raise AuthenticationError()
        codes = set(access.visible_units(user).values_list("code", flat=True))
        rows = [r for r in rows if r.unit_code in codes]
    return [r.to_dict() for r in rows]

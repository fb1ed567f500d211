"""Units and frameworks (read only)."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.pagination import paginate

from chiso.accounts import access
from chiso.api.auth import caller
from chiso.api.errors import ErrorOut
from chiso.api.pagination import Paged
from chiso.api.schemas import FrameworkOut, IndicatorOut, InputOut, UnitOut
from chiso.exports.leaves import describe, input_specs
from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.org.models import Unit

router = Router(tags=["Danh mục"])
# 422: a parameter the schema refuses (an id that is not a number, a limit below 1).
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def unit_out(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "subtype": unit.subtype,
        "parent": unit.parent.code if unit.parent else None,
    }


@router.get("/units", response={200: list[UnitOut], **ERRORS}, summary="Các đơn vị bạn được xem")
@paginate(Paged)
def list_units(request: HttpRequest, kind: str | None = None, q: str | None = None) -> Any:
    """Lọc theo loại (`kind=commune`) và tìm theo tên không dấu (`q=nghi loc`)."""
    units = access.visible_units(caller(request)).select_related("parent")
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = Unit.objects.filter(pk__in=units).search(q)
    return [unit_out(u) for u in units.order_by("code")]


@router.get("/units/{code}", response={200: UnitOut, **ERRORS}, summary="Một đơn vị")
def read_unit(request: HttpRequest, code: str) -> Any:
    units = access.visible_units(caller(request)).select_related("parent")
    return unit_out(get_object_or_404(units, code=code))


@router.get(
    "/frameworks",
    response={200: list[FrameworkOut], **ERRORS},
    summary="Các bộ chỉ số và phiên bản",
)
def list_frameworks(request: HttpRequest) -> Any:
    return [
        {
            "code": f.code,
            "title": f.title,
            "status": f.status,
            "versions": list(f.versions.order_by("number")),
        }
        for f in Framework.objects.prefetch_related("versions")
    ]


@router.get(
    "/frameworks/{code}/versions/{int:number}/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    summary="Cây chỉ tiêu của một phiên bản, kèm cách tính điểm và ô nhập",
)
def list_indicators(request: HttpRequest, code: str, number: int) -> Any:
    version = get_object_or_404(FrameworkVersion, framework__code=code, number=number)
    nodes = version.indicators.select_related("parent").order_by("position")
    return [indicator_out(i) for i in nodes]


def indicator_out(indicator: Indicator) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "parent": indicator.parent.code if indicator.parent else None,
        "level": indicator.level,
        "name": indicator.name,
        "max_points": indicator.max_points,
        "is_leaf": indicator.is_leaf,
        "rule_kind": indicator.rule_kind,
        "rule": describe(indicator) if indicator.is_leaf else "",
        "inputs": [
            InputOut(name=s.name, type=s.type, label=s.label_vi) for s in input_specs(indicator)
        ],
        "evidence_required": indicator.evidence_required,
        "verifier": indicator.verifier,
    }

"""Template filters for Vietnamese formats: {{ x|vn_number:2 }}, {{ d|vn_date }}."""

from __future__ import annotations

import datetime as dt

from django import template

from chiso.lib.formats import vn_date as _vn_date
from chiso.lib.formats import vn_number as _vn_number

register = template.Library()


@register.filter
def vn_number(value: float | int | None, decimals: int = 2) -> str:
    return _vn_number(value, int(decimals))


@register.filter
def vn_date(value: dt.date | None) -> str:
    return _vn_date(value)

"""Template filters for Vietnamese formats: {{ x|vn_number:2 }}, {{ d|vn_date }}."""

from __future__ import annotations

import datetime as dt

from django import template

from chiso.lib.formats import vn_date as _vn_date
from chiso.lib.formats import vn_number as _vn_number

register = template.Library()


@register.filter
def vn_number(value: object, decimals: int = 2) -> str:
    """Numbers (and numeric strings such as stored inputs) in the Vietnamese format; anything
    else, e.g. a choice key among an indicator's raw inputs, is shown as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | None):
        return str(value)
    if isinstance(value, str):
        try:
            return _vn_number(float(value), int(decimals))
        except ValueError:
            return value
    return _vn_number(value, int(decimals))


@register.filter
def vn_date(value: dt.date | None) -> str:
    return _vn_date(value)

"""Limit/offset pagination that a huge offset cannot overflow.

ninja's LimitOffsetPagination passes any integer to the database, and an offset or limit
beyond 64 bits fails there (a 500: "datatype mismatch" on SQLite, out of range on
PostgreSQL), as the API fuzzer found. No table holds 2³¹ rows, so both are capped there:
an offset past the end answers an empty page, as any offset past the end does.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import LimitOffsetPagination

LARGEST = 2**31


class Paged(LimitOffsetPagination):
    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: LimitOffsetPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        pagination.offset = min(pagination.offset, LARGEST)
        pagination.limit = min(pagination.limit, LARGEST)
        return super().paginate_queryset(queryset, pagination, request, **params)

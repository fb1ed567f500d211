"""Read-only admin: frameworks change only by loading files (`chiso load-framework`)."""

from __future__ import annotations

from django.contrib import admin

from chiso.frameworks.models import Framework, FrameworkVersion, Indicator
from chiso.lib.admin import ReadOnlyAdmin


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "status"]
    list_filter = ["status"]
    search_fields = ["code", "title"]


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ReadOnlyAdmin):
    list_display = ["framework", "number", "legal_basis", "scale", "source_name", "created_at"]
    list_filter = ["framework"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "max_points", "rule_kind", "version"]
    list_filter = ["version", "level", "rule_kind"]
    search_fields = ["code", "name"]
    list_select_related = ["version__framework"]

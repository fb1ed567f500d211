"""Read-only admin: assessments, entries and evidence change only through the services
(workflow, autosave, evidence), which check permissions and write the audit log."""

from __future__ import annotations

from django.contrib import admin

from chiso.collection.models import Assessment, Entry, Evidence, Period
from chiso.lib.admin import ReadOnlyAdmin


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["code", "kind", "start", "end", "opens_on", "closes_on"]
    list_filter = ["kind"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["unit", "period", "version", "status", "revision", "updated_at"]
    list_filter = ["status", "period", "version"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "period", "version__framework"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "indicator", "progress", "review", "verified_at", "updated_at"]
    list_filter = ["review", "progress"]
    search_fields = ["indicator__code", "assessment__unit__name"]
    list_select_related = ["assessment__unit", "assessment__period", "indicator"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "unit", "kind", "size", "is_public", "created_at", "created_by"]
    list_filter = ["kind", "is_public"]
    search_fields = ["number", "summary", "title", "original_name", "sha256"]
    list_select_related = ["unit", "created_by"]
    exclude = ["entries"]

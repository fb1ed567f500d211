"""Read-mostly admin: writes belong to the services (audit), so objects are browsed here."""

from __future__ import annotations

from django.contrib import admin

from chiso.plans.models import Document, Measurement, Objective, Occurrence, Target, Task


class TargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Target
    extra = 0


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["number", "kind", "issued_on", "issuer", "title"]
    list_filter = ["kind", "province"]
    search_fields = ["number", "title", "search_key"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["text", "pillar", "document"]
    list_filter = ["pillar"]
    inlines = [TargetInline]


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["target", "value", "measured_on", "illustrative"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["text", "lead_text", "recurrence", "deadline"]
    search_fields = ["search_key"]
    raw_id_fields = ["leads", "coordinating", "indicators", "targets"]


@admin.register(Occurrence)
class OccurrenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["task", "unit", "due", "status"]
    list_filter = ["status"]
    raw_id_fields = ["task", "unit"]

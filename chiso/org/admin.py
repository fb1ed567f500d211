"""Admin for units, lineage and peer groups. Bulk data comes from `load_units`; the admin is for
looking things up and for the odd correction."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from chiso.org.models import Lineage, PeerGroup, Unit


class LineageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Lineage
    fk_name = "predecessor"
    raw_id_fields = ["successor"]
    extra = 0
    verbose_name_plural = "kế thừa bởi"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "kind", "subtype", "official_code", "valid_from", "valid_to"]
    list_filter = ["kind", "subtype", "valid_from", "valid_to"]
    search_fields = ["search_key", "code", "official_code"]
    readonly_fields = ["search_key"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
    inlines = [LineageInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Unit], search_term: str
    ) -> tuple[QuerySet[Unit], bool]:
        # search_key is folded ('nghe an'), so the typed term is folded the same way first.
        if not search_term.strip():
            return queryset, False
        found = Unit.objects.search(search_term) | queryset.filter(official_code=search_term)
        return queryset.filter(pk__in=found.values("pk")), False


@admin.register(Lineage)
class LineageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["predecessor", "kind", "successor", "date", "weight"]
    list_filter = ["kind", "date"]
    search_fields = ["predecessor__code", "successor__code"]
    raw_id_fields = ["predecessor", "successor"]
    list_select_related = ["predecessor", "successor"]


@admin.register(PeerGroup)
class PeerGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "scope", "order"]
    search_fields = ["code", "name"]
    raw_id_fields = ["scope"]
    filter_horizontal = ["members"]

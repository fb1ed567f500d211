from __future__ import annotations

from django.contrib import admin

from chiso.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    # The digest is useless to read and must never be edited by hand.
    readonly_fields = ["user", "prefix", "digest", "created_at", "last_used_at"]

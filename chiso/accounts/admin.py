"""Admin for memberships and the audit log. The audit log is append-only (read-only here);
memberships are granted with `add_member`, which writes the audit row, so they are read-only
too."""

from __future__ import annotations

from django.contrib import admin

from chiso.accounts.models import AuditEvent, Membership
from chiso.lib.admin import ReadOnlyAdmin


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name", "unit__code"]
    list_select_related = ["user", "unit"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_label", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_label", "object_id", "reason"]
    date_hierarchy = "at"

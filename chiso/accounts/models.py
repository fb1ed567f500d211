"""Users' membership of units, and the append-only audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chiso.accounts.choices import Role


class Membership(models.Model):
    """A person's role in one unit. A person may hold several (one row each)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit_id}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


# The fields a row's hash covers, in the order they are serialised (plus the previous hash).
CHAINED_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "old",
    "new",
    "reason",
)
# Any fixed 64-bit number: the key of PostgreSQL's advisory lock that serialises appends.
CHAIN_LOCK = 0x636869736F  # "chiso"


def _canonical(value: Any) -> Any:
    """JSON values as they read back from either database: PostgreSQL's jsonb returns 1.0
    as 1 and reorders keys, so integral floats become ints and keys are sorted on dump."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def chain_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """sha256 over a canonical serialisation of one audit row's fields and the previous
    row's hash. Shared by the model, the data migration and `chiso check-integrity`."""
    at = fields["at"]
    payload = {name: _canonical(fields[name]) for name in CHAINED_FIELDS if name != "at"}
    payload["at"] = at.astimezone(dt.UTC).isoformat() if at else None
    payload["prev_hash"] = prev_hash
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class AuditEvent(models.Model):
    """One write: who, when, what, old → new, why. Never updated, never deleted.

    Rows form a hash chain in id order: `hash` covers the row's fields and `prev_hash`, the
    hash of the row before it, so an edited or deleted row breaks the chain at that point
    (`chiso check-integrity` walks it).
    """

    # A default, not auto_now_add: the hash covers `at`, so it is set before hashing, and a
    # restore (which writes rows as they were) keeps the original time.
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(max_length=150, blank=True)  # "cli", "demo" when no user
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, db_index=True)
    object_label = models.CharField(max_length=255, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("the audit log is append-only")
        with transaction.atomic():
            _lock_chain()
            last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
            self.prev_hash = last or ""
            self.hash = chain_hash({f: getattr(self, f) for f in CHAINED_FIELDS}, self.prev_hash)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("the audit log is append-only")


def _lock_chain() -> None:
    """Serialise appends, so two writers never chain onto the same previous row.

    On PostgreSQL a transaction-level advisory lock, held until the writer's transaction ends:
    the next writer then reads the committed row (a row lock on "the latest row" would not
    do: a writer that waited for it would still chain onto the row it first saw). SQLite
    needs nothing: its IMMEDIATE transactions already admit one writer at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])

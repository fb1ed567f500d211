"""Writes of the accounts app; `record` is called by every other app's services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from chiso.accounts.models import AuditEvent

Actor = AbstractBaseUser | AnonymousUser | str | None


def record(
    actor: Actor,
    action: str,
    obj: Any,
    *,
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit row. `actor` is a user, or a label such as "cli" for system writes."""
    user = actor if isinstance(actor, User) else None
    label = actor if isinstance(actor, str) else (user.get_username() if user else "")
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else type(obj).__name__,
        object_id=str(getattr(obj, "pk", "") or ""),
        object_label=str(obj)[:255],
        old=old,
        new=new,
        reason=reason,
    )

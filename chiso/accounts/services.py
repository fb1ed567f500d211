"""Writes of the accounts app; `record` is called by every other app's services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

from chiso.accounts.models import AuditEvent, Membership

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


def create_user(
    username: str, password: str, actor: Actor, *, email: str = "", full_name: str = ""
) -> User:
    """A new user (or the existing one, password reset); one audit row."""
    user, created = User.objects.get_or_create(username=username)
    user.email = email or user.email
    first, _sep, last = full_name.rpartition(" ")
    user.first_name, user.last_name = first, last
    user.set_password(password)
    user.save()
    record(actor, "user.create" if created else "user.reset", user, new={"username": username})
    return user


def add_member(user: User, unit: Any, role: str, actor: Actor) -> Membership:
    """Give `user` `role` in `unit` (idempotent); one audit row when it is new."""
    membership, created = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    if created:
        record(actor, "membership.add", membership, new={"unit": unit.code, "role": role})
    return membership

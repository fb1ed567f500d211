"""Who may read and update plans: a thin layer over chiso.accounts.access.

A document is read by whoever reads its province (leaders, admins, auditors, verifiers of that
province) and by the units it gives tasks to. An occurrence is read by whoever reads its lead
unit; one whose lead is not a known unit is read with the document's province. Units update
only their own occurrences (reporter or head on the lead unit); the province admin may update
any of the province's and is the only one who returns work.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from chiso.accounts.access import User, has_role, units_with_role, visible_units
from chiso.accounts.choices import Role
from chiso.org.models import Unit
from chiso.plans.models import Document, Occurrence, ProgressUpdate, Target

UPDATERS = (Role.REPORTER, Role.HEAD)


def visible_documents(user: User) -> QuerySet[Document]:
    if not user.is_authenticated:
        return Document.objects.none()
    units = visible_units(user)
    mine = Occurrence.objects.filter(unit__in=units).values("task__document_id")
    return Document.objects.filter(Q(province__in=units) | Q(pk__in=mine))


def visible_occurrences(user: User) -> QuerySet[Occurrence]:
    if not user.is_authenticated:
        return Occurrence.objects.none()
    units = visible_units(user)
    return Occurrence.objects.filter(
        Q(unit__in=units) | Q(unit__isnull=True, task__document__province__in=units)
    )


def own_units(user: User) -> QuerySet[Unit]:
    """The units whose tasks the user carries out ("my tasks")."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return units_with_role(user, *UPDATERS)


def own_occurrences(user: User) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(unit__in=own_units(user))


def can_update(user: User, occurrence: Occurrence) -> bool:
    if not user.is_authenticated:
        return False
    province = occurrence.task.document.province
    if has_role(user, province, Role.ADMIN):
        return True
    return occurrence.unit is not None and has_role(user, occurrence.unit, *UPDATERS)


def can_return(user: User, occurrence: Occurrence) -> bool:
    return user.is_authenticated and has_role(user, occurrence.task.document.province, Role.ADMIN)


def can_measure(user: User, document: Document) -> bool:
    return user.is_authenticated and has_role(user, document.province, Role.ADMIN)


def get_document_or_404(user: User, **lookup: Any) -> Document:
    found: Document = _one(visible_documents(user), **lookup)
    return found


def get_occurrence_or_404(user: User, **lookup: Any) -> Occurrence:
    qs = visible_occurrences(user).select_related("task__document__province", "unit")
    found: Occurrence = _one(qs, **lookup)
    return found


def get_update_or_404(user: User, **lookup: Any) -> ProgressUpdate:
    occurrences = visible_occurrences(user)
    found: ProgressUpdate = _one(
        ProgressUpdate.objects.filter(occurrence__in=occurrences), **lookup
    )
    return found


def get_target_or_404(user: User, **lookup: Any) -> Target:
    documents = visible_documents(user)
    found: Target = _one(Target.objects.filter(objective__document__in=documents), **lookup)
    return found


def _one(queryset: QuerySet[Any], **lookup: Any) -> Any:
    """Missing and forbidden look the same: 404."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found

"""Who may read and update plans: a thin layer over chiso.accounts.access.

A document is read by whoever reads its province (leaders, admins, auditors, verifiers of that
province) and by the units it gives tasks to. An occurrence is read by whoever reads its lead
unit; one whose lead is not a known unit is read with the document's province. Units update
only their own occurrences (reporter or head on the lead unit); the province admin may update
any of the province's and is the only one who returns work, writes documents, objectives and
measurements.

Lineage: a task given to a unit that later merged or was renamed (Sở TT&TT → Sở KH&CN, old
districts → communes) belongs to the unit(s) it became: their people see and update it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from chiso.accounts.access import User, has_role, units_with_role, visible_units
from chiso.accounts.choices import Role
from chiso.org.choices import UnitKind
from chiso.org.models import Lineage, Unit
from chiso.org.services import MAX_CHAIN, successors
from chiso.plans.models import (
    Attachment,
    Document,
    Objective,
    Occurrence,
    ProgressUpdate,
    Target,
)

UPDATERS = (Role.REPORTER, Role.HEAD)


def visible_documents(user: User) -> QuerySet[Document]:
    if not user.is_authenticated:
        return Document.objects.none()
    units = visible_units(user)
    mine = visible_occurrences(user).values("task__document_id")
    return Document.objects.filter(Q(province__in=units) | Q(pk__in=mine))


def visible_occurrences(user: User) -> QuerySet[Occurrence]:
    if not user.is_authenticated:
        return Occurrence.objects.none()
    units = visible_units(user)
    return Occurrence.objects.filter(
        Q(unit__in=units)
        | Q(unit__isnull=True, task__document__province__in=units)
        | Q(unit__in=inherited_units(own_units(user)))
    )


def own_units(user: User) -> QuerySet[Unit]:
    """The units whose tasks the user carries out ("my tasks")."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return units_with_role(user, *UPDATERS)


def own_occurrences(user: User) -> QuerySet[Occurrence]:
    own = own_units(user)
    return Occurrence.objects.filter(Q(unit__in=own) | Q(unit__in=inherited_units(own)))


def inherited_units(units: QuerySet[Unit], on: dt.date | None = None) -> list[Unit]:
    """Ended units whose successor on `on` (default today) is one of `units`.

    Walks the lineage backwards (one query per generation) to find candidates, then keeps
    those that `successors()` really leads into `units` on that day: a lineage dated later, or
    a unit still valid, passes nothing on.
    """
    day = on or timezone.localdate()
    mine = set(units.values_list("pk", flat=True))
    candidates: dict[int, Unit] = {}
    frontier = set(mine)
    for _generation in range(MAX_CHAIN):
        edges = Lineage.objects.filter(successor_id__in=frontier).select_related("predecessor")
        found = {e.predecessor_id: e.predecessor for e in edges}
        frontier = set(found) - set(candidates) - mine
        candidates.update({pk: found[pk] for pk in frontier})
        if not frontier:
            break
    return [
        u
        for u in candidates.values()
        if not u.is_valid_on(day) and any(s.pk in mine for s, _ in successors(u, on=day))
    ]


def can_update(user: User, occurrence: Occurrence) -> bool:
    if not user.is_authenticated:
        return False
    province = occurrence.task.document.province
    if has_role(user, province, Role.ADMIN):
        return True
    unit = occurrence.unit
    if unit is None:
        return False
    if has_role(user, unit, *UPDATERS):
        return True
    return unit in inherited_units(own_units(user))


def can_return(user: User, occurrence: Occurrence) -> bool:
    return user.is_authenticated and has_role(user, occurrence.task.document.province, Role.ADMIN)


def can_measure(user: User, document: Document) -> bool:
    return can_manage(user, document.province)


def can_manage(user: User, province: Unit) -> bool:
    """Writes documents, attachments, objectives, targets' measures: the province admin."""
    return user.is_authenticated and has_role(user, province, Role.ADMIN)


def manageable_provinces(user: User) -> QuerySet[Unit]:
    if not user.is_authenticated:
        return Unit.objects.none()
    return units_with_role(user, Role.ADMIN).filter(kind=UnitKind.PROVINCE)


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


def get_objective_or_404(user: User, **lookup: Any) -> Objective:
    documents = visible_documents(user)
    found: Objective = _one(Objective.objects.filter(document__in=documents), **lookup)
    return found


def get_target_or_404(user: User, **lookup: Any) -> Target:
    documents = visible_documents(user)
    found: Target = _one(Target.objects.filter(objective__document__in=documents), **lookup)
    return found


def get_attachment_or_404(user: User, **lookup: Any) -> Attachment:
    documents = visible_documents(user)
    found: Attachment = _one(Attachment.objects.filter(document__in=documents), **lookup)
    return found


def _one(queryset: QuerySet[Any], **lookup: Any) -> Any:
    """Missing and forbidden look the same: 404."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found

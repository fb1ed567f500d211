"""Writes of the dashboards app: publishing a cohort's results to the public portal.

Each service runs in one transaction and writes one audit row. Users must be admins of every
unit of the cohort; labels ("cli", "demo") are trusted, as in the other apps.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiso.accounts import access
from chiso.accounts.choices import Role
from chiso.accounts.services import Actor, record
from chiso.collection.models import Period
from chiso.dashboards.models import Publication
from chiso.frameworks.models import FrameworkVersion
from chiso.scoring.models import ScoreSnapshot


class PublicationError(Exception):
    """Publishing is not possible (nothing scored) or not allowed (message in Vietnamese)."""


class NotAllowed(PublicationError):
    """The acting user is not an admin of every unit of the cohort."""


@transaction.atomic
def publish(
    acting_user: Actor, version: FrameworkVersion, period: Period, note: str = ""
) -> Publication:
    """Make the cohort's final results public. Raises NotAllowed, or PublicationError when
    the cohort has no final scores. Publishing again keeps the first publication."""
    if not _unit_ids(version, period):
        raise PublicationError(_("Kỳ này chưa có kết quả chính thức để công bố."))
    _require_admin(acting_user, version, period)
    user = acting_user if isinstance(acting_user, User) else None
    found, created = Publication.objects.get_or_create(
        version=version,
        period=period,
        defaults={"published_at": timezone.now(), "published_by": user, "note": note},
    )
    if created:
        record(acting_user, "publication.publish", found, new={"note": note})
    return found


@transaction.atomic
def unpublish(acting_user: Actor, version: FrameworkVersion, period: Period, reason: str) -> bool:
    """Withdraw the cohort from the portal; False when it was not published."""
    _require_admin(acting_user, version, period)
    found = Publication.objects.filter(version=version, period=period).first()
    if found is None:
        return False
    record(acting_user, "publication.unpublish", found, reason=reason)
    found.delete()
    return True


def _unit_ids(version: FrameworkVersion, period: Period) -> set[int]:
    snaps = ScoreSnapshot.objects.filter(version=version, period=period, stage="final")
    return set(snaps.values_list("unit_id", flat=True))


def _require_admin(actor: Actor, version: FrameworkVersion, period: Period) -> None:
    if not isinstance(actor, AbstractBaseUser):
        if actor is None or not isinstance(actor, str):
            raise NotAllowed(_("Chỉ quản trị mới được công bố kết quả."))
        return
    units = _unit_ids(version, period)
    admin_of = set(
        access.units_with_role(actor, Role.ADMIN).filter(pk__in=units).values_list("pk", flat=True)
    )
    # A cohort with no scores left can be withdrawn by a superuser only.
    if units - admin_of or not (units or access.is_superuser(actor)):
        raise NotAllowed(_("Chỉ quản trị của mọi đơn vị trong kỳ này mới được công bố kết quả."))

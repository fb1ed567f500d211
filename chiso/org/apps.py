from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "chiso.org"
    label = "org"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_group_stamp_row, sender=self)


def _group_stamp_row(using: str = "default", **_kwargs: Any) -> None:
    """The one GroupStamp row, back after `flush` (tests, `chiso flush`) emptied the table:
    without it the triggers move nothing and the re-score reads the memberships every time."""
    from chiso.org.models import GroupStamp

    GroupStamp.objects.using(using).get_or_create(pk=1)

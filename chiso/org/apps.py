from typing import Any

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "chiso.org"
    label = "org"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_group_stamp_row, sender=self)


def _group_stamp_row(using: str = "default", apps: Any = None, **_kwargs: Any) -> None:
    """The one GroupStamp row, made after `migrate` and again after `flush` emptied the table:
    without it the triggers move nothing and the re-score reads the memberships every time.
    Nothing to do when the database is migrated to before the table (`apps`: its state)."""
    try:
        model = (apps or django_apps).get_model("org", "GroupStamp")
    except LookupError:
        return
    model.objects.using(using).get_or_create(pk=1)

"""/health/ready/: may this instance take traffic? (for load balancers, systemd, Docker)

/health/ (views.health) only says the process answers; this one also proves what a request
needs: the database answers a real query on chiso's schema, and the file storage takes a write
(evidence uploads). 200 with {"status": "ok", ...} or 503 naming each part that failed.
No personal data, no error text (it could name hosts); the cause goes to the log. Never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("chiso.health")
# At the top of the storage, so that nothing (not even a folder) is left behind.
PROBE_NAME = ".ready-probe"


def check_database() -> None:
    # The migrations table: proves the connection and that the schema exists, in one row.
    MigrationRecorder(connection).migration_qs.only("id").first()


def check_storage() -> None:
    # Written and removed through the storage API, so it holds for an object store too.
    name = default_storage.save(PROBE_NAME, ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {"database": check_database, "storage": check_storage}


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    report: dict[str, str] = {}
    for part, check in CHECKS.items():
        try:
            check()
            report[part] = "ok"
        except Exception:  # any failure means "not ready"; the cause goes to the log
            logger.warning("readiness check failed: %s", part, exc_info=True)
            report[part] = "error"
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503
    )

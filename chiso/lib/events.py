"""A tiny explicit publish/subscribe registry for side effects across app levels.

Lower apps publish ("assessment inputs changed"); higher apps subscribe in their AppConfig.ready
(scoring re-scores the cohort). Delivery happens after the transaction commits, so a rolled-back
write never triggers anything. This is a registry of named hooks, not Django signals: every
subscriber is listed in one place (`SUBSCRIBERS`) and the payload is explicit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

Handler = Callable[..., Any]
SUBSCRIBERS: dict[str, list[Handler]] = defaultdict(list)

ASSESSMENT_CHANGED = "assessment.changed"  # payload: version_id, period_id


def subscribe(event: str, handler: Handler) -> None:
    if handler not in SUBSCRIBERS[event]:
        SUBSCRIBERS[event].append(handler)


def publish_on_commit(event: str, **payload: Any) -> None:
    """Call every subscriber of `event` once the current transaction commits.

    The same event with the same payload is delivered once per transaction: a bulk import
    that touches 100 assessments of one cohort re-scores that cohort once, not 100 times.
    """
    key = (event, tuple(sorted(payload.items())))
    pending = transaction.get_connection().run_on_commit
    if any(getattr(item[1], "chiso_key", None) == key for item in pending):
        return

    def deliver() -> None:
        for handler in SUBSCRIBERS[event]:
            handler(**payload)

    deliver.chiso_key = key  # type: ignore[attr-defined]
    transaction.on_commit(deliver)

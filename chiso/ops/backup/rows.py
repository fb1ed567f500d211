"""Rows as JSON: which models a backup holds, how a row becomes a line and back.

Generic on purpose: every concrete field of every model is carried by its attribute name, so
a field added later (the audit log's hash chain, say) is backed up and restored without a
change here. Values are written in a lossless, vendor-neutral form (ISO dates with
microseconds, decimals as text, bytes as base64) and read back with the field's own
`to_python`, so a dump taken from SQLite loads into PostgreSQL and back.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.duration import duration_string

# Logins are not data: they are short-lived, bound to this site's secret key, and restoring
# them elsewhere would sign people in on a server they never logged in to.
# Sessions are not worth restoring; the scoring column store is derived from the entries (a
# restored instance rebuilds it on its first re-score, reading every entry once), and the peer
# groups' stamp is moved by triggers as the memberships are loaded (org/migrations/0002).
EXCLUDED = frozenset({"sessions.session", "scoring.cohortstore", "org.groupstamp"})
# Tables `chiso migrate` fills by itself (post_migrate). An "empty" instance has them; a
# restore replaces their rows with the backup's, so every reference to them keeps its id.
SEEDED = ("auth.permission", "contenttypes.contenttype")  # in the order they are cleared
# Internal types whose JSON value is already the Python value the database takes.
_NATIVE = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "BigIntegerField",
        "IntegerField",
        "SmallIntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "FileField",
        "ImageField",
        "FilePathField",
        "FloatField",
        "JSONField",
    }
)


def backed_up_models() -> list[type[models.Model]]:
    """Every table the backup holds, M2M link tables included, in a stable order."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and model._meta.label_lower not in EXCLUDED
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The stored fields of `model` (generated columns are computed by the database)."""
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def file_columns(model: type[models.Model]) -> list[tuple[int, models.FileField]]:
    """(position in the row, field) of each file field of `model`."""
    return [(i, f) for i, f in enumerate(columns(model)) if isinstance(f, models.FileField)]


def plain_sql(field: models.Field[Any, Any]) -> bool:
    """Whether the database driver takes the field's decoded value as it is (numbers, text,
    booleans — also through a foreign key), so preparing it can be skipped."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    return target.get_internal_type() in _NATIVE - {"JSONField"}


def _plain(value: Any) -> Any:
    """json.dumps' fallback: the lossless text of a value JSON has no type for."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()  # keeps microseconds and the UTC offset
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return duration_string(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def encode(row: tuple[Any, ...] | list[Any]) -> bytes:
    """One row as one line of JSON (keys of JSON values sorted, so equal data is equal text
    whichever database it came from)."""
    text = json.dumps(
        row, default=_plain, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return text.encode("utf-8") + b"\n"


def decoders(fields: list[models.Field[Any, Any]]) -> list[Callable[[Any], Any] | None]:
    """Per column, the function that turns a JSON value back into the field's value (None
    where the JSON value already is it)."""
    return [None if f.get_internal_type() in _NATIVE else f.to_python for f in fields]


def decode(line: bytes, convert: list[Callable[[Any], Any] | None]) -> list[Any]:
    values = json.loads(line)
    return [v if fn is None or v is None else fn(v) for v, fn in zip(values, convert, strict=True)]


@contextmanager
def snapshot(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """One read transaction, so every table is read as of the same moment while the site
    keeps writing.

    PostgreSQL: REPEATABLE READ, READ ONLY (a snapshot; writers are not blocked). SQLite: a
    plain deferred BEGIN, which in WAL mode is a snapshot too; Django's own atomic() would
    start an IMMEDIATE transaction and hold the write lock for the whole backup. Inside an
    already open transaction (a test's) that transaction is the snapshot.
    """
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")  # nothing was written: this only ends the read

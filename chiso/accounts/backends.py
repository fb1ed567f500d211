"""The model authentication backend, with the per-request user read done by one plain query.

`get_user` runs on every logged-in request (AuthenticationMiddleware). The ORM spends
≈ 0.15 ms building `User.objects.get(pk=…)` for a ≈ 0.02 ms primary-key lookup; here the same
row is read with a plain statement (prepared on PostgreSQL) and turned into a model instance
with `Model.from_db`, exactly what the ORM does after its query. The same statement brings
the user's memberships (unit, role) as a JSON list, kept on the user for `access.roles`:
every permission check of the request reads them, and on PostgreSQL a query of their own was
one more round trip per request. Everything else — passwords, permissions, the is_active
rule — is Django's ModelBackend unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from chiso.accounts import access
from chiso.accounts.models import Membership
from chiso.lib import pgquery


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        alias = router.db_for_read(model)
        sql, converters = _statement(alias)
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed id in a session is no user, as in ModelBackend
            return None
        connection = connections[alias]
        # Prepared on PostgreSQL: planned once per connection (lib/pgquery.py).
        row = pgquery.fetchone(sql, [pk], prepare=True, using=alias)
        if row is None:
            return None
        *fields, held = row
        values = []
        for (column, convert), value in zip(converters, fields, strict=True):
            for converter in convert:
                value = converter(value, column, connection)
            values.append(value)
        user = model.from_db(alias, [c.target.attname for c, _ in converters], values)
        if not self.user_can_authenticate(user):
            return None
        access.remember_roles(user, orjson.loads(held or "[]"))
        return user


@functools.cache
def _statement(alias: str) -> tuple[str, list[tuple[Any, list[Any]]]]:
    """The SELECT and, per column, the converters the ORM's compiler would apply (the
    database's own, e.g. SQLite text → aware datetime, then the field's)."""
    model = get_user_model()
    connection = connections[alias]
    meta = model._meta
    columns: list[Any] = [field.get_col(meta.db_table) for field in meta.concrete_fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.target.column) for c in columns)
    pk: Any = meta.pk
    member = Membership._meta
    fields: list[Any] = [member.get_field(f) for f in ("unit", "role", "user")]
    unit, role, user = (quote(f.column) for f in fields)
    table, key = quote(meta.db_table), f"{quote(meta.db_table)}.{quote(pk.column)}"
    if connection.vendor == "postgresql":
        pairs = f"COALESCE(json_agg(json_build_array({unit}, {role})), '[]')::text"
    else:
        pairs = f"json_group_array(json_array({unit}, {role}))"
    held = f"(SELECT {pairs} FROM {quote(member.db_table)} WHERE {user} = {key})"
    # Identifiers come from the models; the id is a parameter.
    sql = f"SELECT {names}, {held} FROM {table} WHERE {key} = %s"
    converters = [
        (c, connection.ops.get_db_converters(c) + c.get_db_converters(connection)) for c in columns
    ]
    return sql, converters

"""Migration operations that behave well on a big PostgreSQL table and still run on SQLite."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(AddIndex):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, plain CREATE INDEX elsewhere.

    A plain CREATE INDEX holds a lock that blocks writes to the table while the index builds
    (minutes on the national entry table); CONCURRENTLY does not, but it cannot run inside a
    transaction, so a migration using this operation must set `atomic = False`.
    django.contrib.postgres' own operation refuses to run on SQLite, the embedded default.
    """

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)

    def describe(self) -> str:
        return f"Concurrently create index {self.index.name} on {self.model_name}"


def per_vendor(statements: Mapping[str, Sequence[str]]) -> Callable[[Any, Any], None]:
    """A RunPython function that executes the SQL written for the database it runs on
    (`{"postgresql": [...], "sqlite": [...]}`; a vendor without statements gets none): for
    triggers and storage settings, which each database spells its own way."""

    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return run

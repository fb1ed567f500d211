"""Entries are the most updated rows (autosave, sheet imports of 100,000 values): make an
UPDATE touch as little as possible.

- Two indexes go: the one on `assessment` (the unique index on (assessment, indicator) leads
  with it and serves every lookup by assessment) and the one on `updated_by` (only deleting a
  user looks entries up by it). Dropped by name, not by AlterField: on SQLite AlterField
  remakes the table, which would drop the inputs_seq triggers of migration 0004. On
  PostgreSQL `DROP INDEX CONCURRENTLY`, so writers are never blocked.
- On PostgreSQL the table keeps half of each page free (fillfactor 50). An import rewrites
  every entry of an assessment, so all the rows of a page at once; with room for their new
  versions on the same page and no indexed column changed, PostgreSQL updates them in place
  (HOT: no index touched), about 4× faster than writing new index entries for every row. The
  price is a table twice as big (~2 GB for a national instance's 7.4 M entries). The setting
  applies to pages written from now on; `VACUUM FULL collection_entry` (or pg_repack) in a
  maintenance window applies it to the rows already there (docs/deploy.md).
"""

from typing import Any

from django.conf import settings
from django.db import migrations, models

from chiso.lib.dbops import per_vendor

ENTRY = "collection_entry"
FIELDS = ("assessment", "updated_by")


def _index_names(schema_editor: Any, model: Any, field: str) -> list[str]:
    column = model._meta.get_field(field).column
    return list(
        schema_editor._constraint_names(
            model, [column], index=True, unique=False, primary_key=False
        )
    )


def drop_indexes(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("collection", "Entry")
    quote = schema_editor.quote_name
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for field in FIELDS:
        for name in _index_names(schema_editor, model, field):
            schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {quote(name)}")


def create_indexes(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("collection", "Entry")
    postgres = schema_editor.connection.vendor == "postgresql"
    for field in FIELDS:
        if not _index_names(schema_editor, model, field):
            column = model._meta.get_field(field)
            options = {"concurrently": True} if postgres else {}
            sql = schema_editor._create_index_sql(model, fields=[column], **options)
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY (PostgreSQL) cannot run in a transaction.
    atomic = False

    dependencies = [
        ("collection", "0004_assessment_inputs_seq"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="entry",
                    name="assessment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="entries",
                        to="collection.assessment",
                    ),
                ),
                migrations.AlterField(
                    model_name="entry",
                    name="updated_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
        migrations.RunPython(
            per_vendor({"postgresql": [f"ALTER TABLE {ENTRY} SET (fillfactor = 50)"]}),
            per_vendor({"postgresql": [f"ALTER TABLE {ENTRY} RESET (fillfactor)"]}),
        ),
    ]

"""Snapshots: a digest of two halves (scores, then ranks) in 64 characters, and no index of
their own for assessment, unit and version (the unique (assessment, stage) and the indexes
(unit, version, …) and (version, period, …) lead with them; each index cost every row written).

Django's AlterField would drop each foreign key and add it again, which checks every row of
the table under a lock; here only the indexes go (DROP INDEX CONCURRENTLY on PostgreSQL,
hence `atomic = False`) and the column is widened (varchar(32) → varchar(64) rewrites nothing
on PostgreSQL; SQLite does not enforce the length). The keys themselves stay as they are.

On PostgreSQL the JSON columns are compressed with LZ4 instead of pglz from now on (rows
already written keep theirs): writing a national cohort's 8,750 snapshots took ~460 ms in
COPY, ~200 ms of it in pglz; with LZ4 ~260 ms, and reading points back is twice as fast.
A server built without LZ4 keeps pglz (the statement is refused and skipped).
"""

import django.db.models.deletion
from django.db import DatabaseError, migrations, models

from chiso.lib.dbops import per_vendor

TABLE = "scoring_scoresnapshot"
INDEXES = {
    "scoring_scoresnapshot_assessment_id_4a44feaf": "assessment_id",
    "scoring_scoresnapshot_unit_id_28a56b52": "unit_id",
    "scoring_scoresnapshot_version_id_f19e0c58": "version_id",
}

FORWARD = {
    "postgresql": [
        *(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"' for name in INDEXES),
        f'ALTER TABLE "{TABLE}" ALTER COLUMN "digest" TYPE varchar(64)',
    ],
    "sqlite": [f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES],
}
BACKWARD = {
    "postgresql": [
        # A 64-digit digest cut to its first half never matches what the older code computes:
        # those rows are rewritten whole on their next re-score, as intended.
        f'ALTER TABLE "{TABLE}" ALTER COLUMN "digest" TYPE varchar(32) USING left("digest", 32)',
        *(
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}")'
            for name, column in INDEXES.items()
        ),
    ],
    "sqlite": [
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}")'
        for name, column in INDEXES.items()
    ],
}

COMPRESSED = ("points", "views", "ranks", "flags")


def compression(method: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        columns = ", ".join(f'ALTER COLUMN "{c}" SET COMPRESSION {method}' for c in COMPRESSED)
        try:  # outside a transaction (atomic = False): a refusal leaves nothing to undo
            schema_editor.execute(f'ALTER TABLE "{TABLE}" {columns}')
        except DatabaseError:  # "compression method lz4 not supported"
            pass

    return run


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("collection", "0006_entry_inputs_seq_new_rows"),
        ("frameworks", "0002_frameworkversion_default_rule"),
        ("org", "0002_group_stamp"),
        ("scoring", "0005_cohortstore_scores_digest"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(per_vendor(FORWARD), per_vendor(BACKWARD)),
                migrations.RunPython(compression("lz4"), compression("pglz")),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="scoresnapshot",
                    name="assessment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="snapshots",
                        to="collection.assessment",
                    ),
                ),
                migrations.AlterField(
                    model_name="scoresnapshot",
                    name="digest",
                    field=models.CharField(blank=True, default="", editable=False, max_length=64),
                ),
                migrations.AlterField(
                    model_name="scoresnapshot",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="scoresnapshot",
                    name="version",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="frameworks.frameworkversion",
                    ),
                ),
            ],
        ),
    ]

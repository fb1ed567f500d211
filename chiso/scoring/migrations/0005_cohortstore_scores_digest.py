"""The cohort store records the digest of the snapshots it last wrote, and keeps its base
copies uncompressed on PostgreSQL.

`data` (~4 MB of numpy arrays a national cohort) was stored compressed (TOAST's pglz): reading
it back cost ~25 ms a cohort, most of it decompressing. STORAGE EXTERNAL keeps it out of line
but uncompressed (the disk cost is ~60 MB for a national instance's 17 cohorts); it applies to
values written from now on, and every base copy is rewritten as cohorts are re-scored.
"""

from django.db import migrations, models

from chiso.lib.dbops import per_vendor

DATA = "ALTER TABLE scoring_cohortstore ALTER COLUMN data SET STORAGE"


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0004_cohort_store"),
    ]

    operations = [
        migrations.AddField(
            model_name="cohortstore",
            name="scores_digest",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(
            per_vendor({"postgresql": [f"{DATA} EXTERNAL"]}),
            per_vendor({"postgresql": [f"{DATA} EXTENDED"]}),
        ),
    ]

"""GroupStamp: one row whose `seq` triggers move on any change to peer groups or members.

The re-score keeps the peer-group memberships in memory between re-scores (scoring.services
`_peer_groups`) and reads this one number instead of every membership (~10 ms for a national
cohort). As with `Assessment.inputs_seq` (collection/0004), no writer has to remember to say
that it changed the groups: the database does it, for the ORM, the admin and raw SQL alike.

PostgreSQL: statement-level triggers; SQLite: row-level ones (it has no others). The stamp is
derived state: backups leave it out (ops/backup/rows.py), and a missing row only turns the
in-memory copy off. The row itself is made after every `migrate` or `flush` (post_migrate,
org/apps.py).
"""

from django.db import migrations, models

import chiso.org.models
from chiso.lib.dbops import per_vendor

STAMP = "org_groupstamp"
TABLES = ("org_peergroup", "org_peergroup_members")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = f"UPDATE {STAMP} SET seq = seq + 1 WHERE id = 1"


def _name(table: str, event: str) -> str:
    return f"{table}_stamp_{event.lower()}"


POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION chiso_group_stamp() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      {BUMP};
      RETURN NULL;
    END $$
    """,
    *(
        f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION chiso_group_stamp()"
        for table in TABLES
        for event in EVENTS
    ),
]
POSTGRES_DROP = [
    *(f"DROP TRIGGER IF EXISTS {_name(t, e)} ON {t}" for t in TABLES for e in EVENTS),
    "DROP FUNCTION IF EXISTS chiso_group_stamp()",
]
SQLITE = [
    f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} BEGIN {BUMP}; END"
    for table in TABLES
    for event in EVENTS
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {_name(t, e)}" for t in TABLES for e in EVENTS]


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(default=chiso.org.models._new_token, max_length=32)),
                ("seq", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(
            per_vendor({"postgresql": POSTGRES, "sqlite": SQLITE}),
            per_vendor({"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}),
        ),
    ]

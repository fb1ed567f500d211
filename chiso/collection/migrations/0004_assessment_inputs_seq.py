"""Assessment.inputs_seq, kept by triggers on the entry table.

The scoring column store (chiso/scoring/store.py) keeps each cohort's input columns between
re-scores and re-reads only the assessments whose entries changed. Which ones changed must not
depend on every writer remembering to say so: the database bumps the counter itself, on any
INSERT, UPDATE (of either assessment, when an entry moves) or DELETE of an entry. A restore
puts the backed-up counters back after loading the entries (ops/backup/load.py).

PostgreSQL: statement-level triggers with transition tables, one UPDATE of the touched
assessments per statement (a 68,000-entry import bumps ~830 assessments once each).
SQLite: row-level triggers (no statement-level ones there; its cohorts are small).
"""

from django.db import migrations, models

from chiso.lib.dbops import per_vendor

ENTRY = "collection_entry"
ASSESSMENT = "collection_assessment"

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION chiso_entry_inputs_seq() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {ASSESSMENT} SET inputs_seq = inputs_seq + 1
      WHERE id IN (SELECT DISTINCT assessment_id FROM touched);
      RETURN NULL;
    END $$
    """,
    # An update may move an entry to another assessment: both change.
    f"""
    CREATE OR REPLACE FUNCTION chiso_entry_inputs_seq_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {ASSESSMENT} SET inputs_seq = inputs_seq + 1
      WHERE id IN (SELECT assessment_id FROM touched UNION SELECT assessment_id FROM previous);
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE TRIGGER entry_inputs_seq_update AFTER UPDATE ON {ENTRY}
    REFERENCING OLD TABLE AS previous NEW TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION chiso_entry_inputs_seq_update()
    """,
    f"""
    CREATE TRIGGER entry_inputs_seq_delete AFTER DELETE ON {ENTRY}
    REFERENCING OLD TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION chiso_entry_inputs_seq()
    """,
    f"""
    CREATE TRIGGER entry_inputs_seq_insert AFTER INSERT ON {ENTRY}
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION chiso_entry_inputs_seq()
    """,
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS entry_inputs_seq_update ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS entry_inputs_seq_delete ON {ENTRY}",
    f"DROP TRIGGER IF EXISTS entry_inputs_seq_insert ON {ENTRY}",
    "DROP FUNCTION IF EXISTS chiso_entry_inputs_seq()",
    "DROP FUNCTION IF EXISTS chiso_entry_inputs_seq_update()",
]
SQLITE = [
    f"""
    CREATE TRIGGER entry_inputs_seq_update AFTER UPDATE ON {ENTRY}
    BEGIN
      UPDATE {ASSESSMENT} SET inputs_seq = inputs_seq + 1
      WHERE id IN (NEW.assessment_id, OLD.assessment_id);
    END
    """,
    f"""
    CREATE TRIGGER entry_inputs_seq_delete AFTER DELETE ON {ENTRY}
    BEGIN
      UPDATE {ASSESSMENT} SET inputs_seq = inputs_seq + 1 WHERE id = OLD.assessment_id;
    END
    """,
    f"""
    CREATE TRIGGER entry_inputs_seq_insert AFTER INSERT ON {ENTRY}
    BEGIN
      UPDATE {ASSESSMENT} SET inputs_seq = inputs_seq + 1 WHERE id = NEW.assessment_id;
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS entry_inputs_seq_update",
    "DROP TRIGGER IF EXISTS entry_inputs_seq_delete",
    "DROP TRIGGER IF EXISTS entry_inputs_seq_insert",
]


class Migration(migrations.Migration):
    # PostgreSQL 11+ adds a column with a constant default without rewriting the table.

    dependencies = [
        ("collection", "0003_assessment_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="inputs_seq",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(
            per_vendor({"postgresql": POSTGRES, "sqlite": SQLITE}),
            per_vendor({"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}),
        ),
    ]

"""The inputs_seq trigger of an UPDATE on entries keeps the new rows only (PostgreSQL).

Migration 0004's statement-level UPDATE trigger kept both transition tables, the old rows and
the new, only to bump an assessment an entry moves away from. On a 68,000-entry import that
was two copies of every updated row (~20 MB each, spilled to disk past `work_mem`) and a
UNION of their ids: ~70 ms of a ~400 ms UPDATE. Entries never move in chiso, but another
program might: a row-level trigger on `UPDATE OF assessment_id`, fired only when the value
really changes, bumps the assessment it left. An UPDATE that does not set the column (the
bulk merges) never evaluates it; one that sets it to the same value (Model.save()) evaluates
the WHEN condition only. The statement-level trigger bumps the new rows' assessments, as on
INSERT. SQLite's row-level triggers (0004) already bump both.
"""

from django.db import migrations

from chiso.lib.dbops import per_vendor

ENTRY = "collection_entry"
ASSESSMENT = "collection_assessment"

FORWARD = [
    f"DROP TRIGGER IF EXISTS entry_inputs_seq_update ON {ENTRY}",
    "DROP FUNCTION IF EXISTS chiso_entry_inputs_seq_update()",
    f"""
    CREATE TRIGGER entry_inputs_seq_update AFTER UPDATE ON {ENTRY}
    REFERENCING NEW TABLE AS touched FOR EACH STATEMENT
    EXECUTE FUNCTION chiso_entry_inputs_seq()
    """,
    f"""
    CREATE OR REPLACE FUNCTION chiso_entry_inputs_seq_moved() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE {ASSESSMENT} SET inputs_seq = inputs_seq + 1 WHERE id = OLD.assessment_id;
      RETURN NULL;
    END $$
    """,
    f"""
    CREATE TRIGGER entry_inputs_seq_moved AFTER UPDATE OF assessment_id ON {ENTRY}
    FOR EACH ROW WHEN (OLD.assessment_id IS DISTINCT FROM NEW.assessment_id)
    EXECUTE FUNCTION chiso_entry_inputs_seq_moved()
    """,
]
BACKWARD = [
    f"DROP TRIGGER IF EXISTS entry_inputs_seq_moved ON {ENTRY}",
    "DROP FUNCTION IF EXISTS chiso_entry_inputs_seq_moved()",
    f"DROP TRIGGER IF EXISTS entry_inputs_seq_update ON {ENTRY}",
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
]


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0005_entry_bulk_updates"),
    ]

    operations = [
        migrations.RunPython(
            per_vendor({"postgresql": FORWARD}), per_vendor({"postgresql": BACKWARD})
        ),
    ]

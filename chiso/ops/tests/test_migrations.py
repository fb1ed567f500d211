"""Every migration applies to an empty database and the newest steps go back and forth, on the
database vendor the suite runs on (a fresh SQLite file, or a fresh PostgreSQL database beside
the test database), through real `manage.py migrate` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
# The indexes that the newest migrations of collection, scoring and plans create.
NEW_INDEXES = {"assessment_unit_period", "assessment_cohort", "snapshot_unit_cohort"}
# The snapshots' own indexes of assessment, unit and version, which scoring 0006 drops (the
# unique (assessment, stage) and the cohort indexes lead with those columns).
DROPPED_INDEXES = {
    "scoring_scoresnapshot_assessment_id_4a44feaf",
    "scoring_scoresnapshot_unit_id_28a56b52",
    "scoring_scoresnapshot_version_id_f19e0c58",
}


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[str]:
    """The address of an empty database of the suite's vendor, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    db = settings.DATABASES["default"]
    name = f"chiso_migrations_{uuid.uuid4().hex[:8]}"
    server = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# One process runs every step (a process start costs more than the migrations themselves).
STEPS = """
import json, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

def state():
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        names = {name for table in tables
                 for name in connection.introspection.get_constraints(cursor, table)}
        compression = None
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT attcompression FROM pg_attribute WHERE attname = 'points' "
                "AND attrelid = 'scoring_scoresnapshot'::regclass"
            )
            compression = cursor.fetchone()[0]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"indexes": sorted(names), "pending": len(pending), "compression": compression}

out = []
call_command("migrate", verbosity=0)
out.append(state())
call_command("migrate", "collection", "0002_workflow_evidence", verbosity=0)
out.append(state())
call_command("migrate", verbosity=0)
out.append(state())
print(json.dumps(out))
"""


def run_steps(url: str) -> list[dict[str, Any]]:
    env = {**os.environ, "DATABASE_URL": url, "CHISO_INSECURE_DEV": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "chiso.settings"
    done = subprocess.run(
        [sys.executable, "-c", STEPS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.django_db
def test_migrations_apply_to_an_empty_database_and_the_newest_step_goes_back_and_forth(
    fresh: str,
) -> None:
    latest, back, again = run_steps(fresh)
    assert latest["pending"] == 0
    assert set(latest["indexes"]) >= NEW_INDEXES
    assert back["pending"] > 0
    assert not NEW_INDEXES & set(back["indexes"])
    assert again["pending"] == 0
    assert set(again["indexes"]) == set(latest["indexes"])
    # scoring 0006 went back (its dependency on collection 0006) and forth with the others
    assert not DROPPED_INDEXES & set(latest["indexes"])
    assert set(back["indexes"]) >= DROPPED_INDEXES
    if connection.vendor == "postgresql":  # snapshots' JSON compressed with LZ4, then pglz
        assert (latest["compression"], back["compression"]) == ("l", "p")

"""Run in its own process against a real instance (`python -m chiso.ops.tests.backup_while_writing
ARCHIVE`): a backup during which another connection writes a user and its audit row.

The write happens after the audit log has been dumped and before the users are: a backup
that is one snapshot holds neither; one that reads each table as it comes would hold the user
without the audit row that created it. Prints what the archive and the database hold (JSON).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import zipfile
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiso.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402

from chiso.accounts.models import AuditEvent  # noqa: E402
from chiso.accounts.services import create_user  # noqa: E402
from chiso.ops.backup import create_backup  # noqa: E402

NEWCOMER = "giua-chung"


def write_elsewhere() -> None:
    """In a thread: Django gives it its own database connection."""
    create_user(NEWCOMER, "mật-khẩu-dài-2025", "test")
    connection.close()


def main(archive: Path) -> None:
    fired: list[str] = []

    def progress(text: str) -> None:
        # The line printed once the audit log is dumped (the users come later: auth.user).
        if not fired and "accounts.auditevent" in text:
            fired.append(text)
            writer = threading.Thread(target=write_elsewhere)
            writer.start()
            writer.join()

    create_backup(archive, progress=progress)
    with zipfile.ZipFile(archive) as zipped:
        users = zipped.read("db/auth.user.jsonl").decode().count(f'"{NEWCOMER}"')
        audit = len(zipped.read("db/accounts.auditevent.jsonl").splitlines())
    report = {
        "first_table": fired[0].strip(),
        "newcomer_in_archive": users,
        "audit_rows_in_archive": audit,
        "newcomer_in_database": User.objects.filter(username=NEWCOMER).count(),
        "audit_rows_in_database": AuditEvent.objects.count(),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

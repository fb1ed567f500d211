"""Backup and restore of a whole instance: every table and every stored file, in one archive
with a sha256 manifest (see docs/backup.md)."""

from chiso.ops.backup.archive import BackupError
from chiso.ops.backup.dump import create_backup
from chiso.ops.backup.load import restore_backup

__all__ = ["BackupError", "create_backup", "restore_backup"]
